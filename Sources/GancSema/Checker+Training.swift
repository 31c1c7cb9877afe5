import GancDiagnostics
import GancSource
import GancSyntax

extension Checker {
  /// Adam's options, checked like a layer's.
  static let adamOptions: [OptionSpec] = [
    OptionSpec(
      "lr", .number(min: 0, max: 1, openMin: true, openMax: false), .defaulted(.number(1e-3)),
      "the learning rate, in (0, 1]"),
    OptionSpec(
      "beta1", .number(min: 0, max: 1, openMin: false, openMax: true), .defaulted(.number(0.9)),
      "the first moment's decay, in [0, 1)"),
    OptionSpec(
      "beta2", .number(min: 0, max: 1, openMin: false, openMax: true), .defaulted(.number(0.999)),
      "the second moment's decay, in [0, 1)"),
    OptionSpec(
      "eps", .number(min: 0, max: nil, openMin: true, openMax: false), .defaulted(.number(1e-8)),
      "added to the denominator, > 0"),
  ]

  mutating func checkTraining(losses: [LossSpec]) -> Schedule? {
    let trains = program.declarations.compactMap { d -> TrainDecl? in
      if case .train(let t) = d { return t }
      return nil
    }
    guard let train = trains.first else {
      report(
        Diagnostic(
          .missingDeclaration, "the model has no `train` block", at: Label(SourceRange(at: file.bytes.count)),
          help: "add `train { steps 1000  step d: minimize d_loss wrt D ... }`"))
      return nil
    }
    var ok = true
    var seen: [String: SourceRange] = [:]
    var iterations: Int?
    var epochs: Int?
    var seed: UInt64 = 0
    var optimizer = OptimizerSpec()
    var logInterval = 100
    var checkpointInterval: Int?
    var stepDecls: [StepDecl] = []
    var sampleDecl: SampleDecl?

    func positive(_ c: inout Checker, _ e: Expr, _ what: String, allowZero: Bool = false) -> Int? {
      // `-3` is a negated literal: a whole number, just not a positive one.
      if case .unary(.negate, let inner) = e.kind, case .integer(let v) = inner.kind, v != 0 {
        c.report(
          Diagnostic(
            .optionRange, "`\(what)` must be \(allowZero ? "zero or more" : "positive"), not -\(v)", at: Label(e.range))
        )
        return nil
      }
      var e = e
      if case .unary(.negate, let inner) = e.kind, case .integer(0) = inner.kind { e = inner }
      guard case .integer(let v) = e.kind else {
        if case .missing = e.kind { return nil }
        var help: String?
        if case .float(let f) = e.kind, f == f.rounded(), f >= 0, f < 1e15 {
          // `steps 1e4`, as Python writes it: a real number that is whole.
          help = "`\(c.file.text(in: e.range))` is a real number; write the whole number `\(Int(f))`"
        }
        c.report(
          Diagnostic(
            .optionType, "`\(what)` takes a whole number", at: Label(e.range, "not a whole number"), help: help))
        return nil
      }
      guard v > 0 || (allowZero && v == 0) else {
        c.report(
          Diagnostic(
            .optionRange, "`\(what)` must be \(allowZero ? "zero or more" : "positive"), not \(v)", at: Label(e.range)))
        return nil
      }
      return v
    }

    for item in train.items {
      switch item {
      case .setting(let name, let value), .every(let name, let value):
        if let prior = seen[name.name] {
          report(
            Diagnostic(
              .duplicateOption, "`\(name.name)` is set twice", at: Label(name.range, "set again"),
              secondary: [Label(prior, "first set here")]))
          ok = false
          continue
        }
        seen[name.name] = name.range
        switch name.name {
        case "steps": iterations = positive(&self, value, "steps"); ok = ok && iterations != nil
        case "epochs": epochs = positive(&self, value, "epochs"); ok = ok && epochs != nil
        case "seed":
          if let s = positive(&self, value, "seed", allowZero: true) { seed = UInt64(s) } else { ok = false }
        case "log": if let v = positive(&self, value, "log every") { logInterval = v } else { ok = false }
        case "checkpoint":
          checkpointInterval = positive(&self, value, "checkpoint every"); ok = ok && checkpointInterval != nil
        case "optimizer":
          if let o = checkOptimizer(value) { optimizer = o } else { ok = false }
        default:
          break  // the parser admits only the names above
        }
      case .step(let s):
        stepDecls.append(s)
      case .sample(let s):
        if let prior = sampleDecl {
          report(
            Diagnostic(
              .duplicateOption, "a training block has one `sample` line", at: Label(s.range),
              secondary: [Label(prior.range, "first one")]))
          ok = false
        }
        sampleDecl = s
      }
    }
    if let i = seen["steps"], let e = seen["epochs"] {
      report(
        Diagnostic(
          .duplicateOption, "give either `steps` or `epochs`, not both", at: Label(e, "epochs"),
          secondary: [Label(i, "steps")]))
      ok = false
    }
    if seen["steps"] == nil && seen["epochs"] == nil {
      report(
        Diagnostic(
          .missingOption, "the training block does not say how long to train",
          at: Label(SourceRange(start: train.range.start, end: train.range.start + 5), "no `steps` or `epochs`"),
          help: "add `steps 10000` (iterations) or `epochs 20` (passes over the data)"))
      ok = false
    }
    if stepDecls.isEmpty {
      report(
        Diagnostic(
          .noSteps, "the training block has no steps, so nothing would be trained",
          at: Label(SourceRange(start: train.range.start, end: train.range.start + 5)),
          help: "add a step such as `step d: minimize d_loss wrt D`"))
      ok = false
    }

    var steps: [StepSpec] = []
    var stepNames: [String: SourceRange] = [:]
    for s in stepDecls {
      if let prior = stepNames[s.name.name] {
        report(
          Diagnostic(
            .duplicateDeclaration, "two steps are named `\(s.name.name)`", at: Label(s.name.range),
            secondary: [Label(prior, "first one")]))
        ok = false
      }
      stepNames[s.name.name] = s.name.range
      guard let step = checkStep(s, losses: losses, default: optimizer) else {
        ok = false
        continue
      }
      steps.append(step)
    }

    var sample: SampleSpec?
    if let s = sampleDecl {
      sample = checkSample(s)
      ok = ok && sample != nil
    }
    guard ok else { return nil }
    return Schedule(
      iterations: iterations, epochs: epochs, seed: seed, steps: steps, logInterval: logInterval,
      checkpointInterval: checkpointInterval, sample: sample)
  }

  /// `adam(lr: 2e-4, beta1: 0.5)`.
  private mutating func checkOptimizer(_ e: Expr) -> OptimizerSpec? {
    let (callee, args): (Identifier, [Argument])
    switch e.kind {
    case .call(let c, let a): (callee, args) = (c, a)
    case .identifier(let n): (callee, args) = (Identifier(n, e.range), [])
    case .missing: return nil
    default:
      report(Diagnostic(.optionType, "expected an optimizer such as `adam(lr: 2e-4)`", at: Label(e.range)))
      return nil
    }
    guard callee.name == "adam" else {
      report(unknownNameDiagnostic(callee.name, at: callee.range, candidates: ["adam"], what: "optimizer"))
      return nil
    }
    guard let a = matchArguments(args, names: Self.adamOptions.map(\.name), required: [], callee: callee) else {
      return nil
    }
    var o = OptimizerSpec()
    for spec in Self.adamOptions {
      guard let expr = a[spec.name] else { continue }
      guard let v = evaluateOption(spec, expr, in: "adam")?.number else { return nil }
      switch spec.name {
      case "lr": o.learningRate = v
      case "beta1": o.beta1 = v
      case "beta2": o.beta2 = v
      default: o.epsilon = v
      }
    }
    return o
  }

  private mutating func checkStep(_ s: StepDecl, losses: [LossSpec], default optimizer: OptimizerSpec) -> StepSpec? {
    var ok = true
    if !s.loss.name.isEmpty {
      used.insert(s.loss.name)
      if let sym = symbols[s.loss.name], sym.kind != .loss {
        report(
          Diagnostic(
            .wrongKindOfName, "a step minimizes a loss, but `\(s.loss.name)` is \(sym.kind.rawValue)",
            at: Label(s.loss.range), secondary: [Label(sym.range, "declared here")],
            help: "declare it with `loss \(s.loss.name) = ...`"))
        ok = false
      } else if symbols[s.loss.name] == nil {
        reportUnknownName(
          s.loss.name, at: s.loss.range, candidates: symbols.filter { $0.value.kind == .loss }.keys, what: "loss")
        ok = false
      } else if !losses.contains(where: { $0.name == s.loss.name }) {
        ok = false  // the loss itself failed to check
      }
    } else {
      ok = false
    }
    var nets: [String] = []
    for n in s.networks where !n.name.isEmpty {
      used.insert(n.name)
      if nets.contains(n.name) {
        report(Diagnostic(.duplicateOption, "`\(n.name)` is named twice", at: Label(n.range)))
        ok = false
        continue
      }
      guard let sym = symbols[n.name] else {
        reportUnknownName(n.name, at: n.range, candidates: netDecls.keys, what: "network")
        ok = false
        continue
      }
      guard sym.kind == .net else {
        let netNames = program.declarations.compactMap { d -> String? in
          if case .net(let x) = d { return x.name.name }
          return nil
        }
        var help = "`wrt` names the networks whose parameters the step changes"
        if case .call(let producer, _)? = bindings[n.name]?.kind {
          // `wrt fake` where `let fake = G(z)`: the network meant is the one that makes it.
          help = "`\(n.name)` is computed by network `\(producer)`; to train `\(producer)`, write `wrt \(producer)`"
        } else if !netNames.isEmpty {
          help += ": " + netNames.map { "`\($0)`" }.joined(separator: ", ")
        }
        report(
          Diagnostic(
            .notANetwork, "a step trains networks, but `\(n.name)` is \(sym.kind.rawValue)", at: Label(n.range),
            secondary: [Label(sym.range, "declared here")], help: help))
        ok = false
        continue
      }
      nets.append(n.name)
    }
    if s.networks.isEmpty { ok = false }
    var repeatCount = 1
    if let r = s.repeatCount {
      guard case .integer(let v) = r.kind, v >= 1 else {
        report(Diagnostic(.optionRange, "`repeat` takes a whole number of at least 1", at: Label(r.range)))
        return nil
      }
      repeatCount = v
    }
    var stepOptimizer = optimizer
    if let o = s.optimizer {
      guard let v = checkOptimizer(o) else { return nil }
      stepOptimizer = v
    }
    guard ok else { return nil }
    return StepSpec(
      name: s.name.name, loss: s.loss.name, nets: nets, repeatCount: repeatCount, optimizer: stepOptimizer,
      range: s.range)
  }

  /// A view that fits samples of `n` values: a scatter plot for 2, the squarest image
  /// otherwise, a table when `n` has no factors.
  static func sampleViewHelp(_ n: Int) -> String {
    if n == 2 { return "2-D points are drawn `as scatter`" }
    var w = 1
    var k = 2
    while k * k <= n {
      if n % k == 0 { w = k }
      k += 1
    }
    return w > 1
      ? "samples of \(n) values fit `as image(\(n / w), \(w))`, or write them `as table`"
      : "write samples of \(n) values `as table`"
  }

  private mutating func checkSample(_ s: SampleDecl) -> SampleSpec? {
    var interval: Int?
    var count: Int?
    if let e = s.interval {
      guard case .integer(let v) = e.kind, v > 0 else {
        report(Diagnostic(.optionRange, "`every` takes a positive whole number", at: Label(e.range)))
        return nil
      }
      interval = v
    }
    if let e = s.count {
      guard case .integer(let v) = e.kind, v > 0 else {
        report(Diagnostic(.optionRange, "`count` takes a positive whole number", at: Label(e.range)))
        return nil
      }
      count = v
    }
    guard let value = checkExpr(s.value) else { return nil }
    guard !value.type.isScalar, !value.type.isClassLabels else {
      report(
        Diagnostic(
          .rankMismatch, "samples are a batch of generated tensors, but this is \(value.type.description)",
          at: Label(s.value.range), help: "sample a generator's output, such as `G(z)`"))
      return nil
    }
    let perExample = ValueType(Array(value.type.shape.dropFirst())).elementCount
    var view = SampleView.table
    if let v = s.view {
      let (callee, args): (Identifier, [Argument])
      switch v.kind {
      case .call(let c, let a): (callee, args) = (c, a)
      case .identifier(let n): (callee, args) = (Identifier(n, v.range), [])
      default:
        report(Diagnostic(.optionType, "expected `image(height, width)`, `scatter` or `table`", at: Label(v.range)))
        return nil
      }
      switch callee.name {
      case "image":
        guard
          let a = matchArguments(
            args, names: ["height", "width", "range"], required: ["height", "width"], callee: callee),
          let h = evaluateDim(a["height"]!), let w = evaluateDim(a["width"]!)
        else { return nil }
        var low = -1.0
        var high = 1.0
        if let r = a["range"] {
          guard let i = evaluateInterval(r) else { return nil }
          (low, high) = (i.lowerBound, i.upperBound)
        }
        let (product, overflow) = h.value.multipliedReportingOverflow(by: w.value)
        let pixels = overflow ? Int.max : product
        guard pixels == perExample else {
          report(
            Diagnostic(
              .layoutMismatch,
              "an image of \(h.value) × \(w.value) holds \(pixels) values, but each sample has \(perExample)",
              at: Label(v.range, "\(pixels) pixels"),
              secondary: [Label(s.value.range, "gives \(value.type.explained)")],
              help: Self.sampleViewHelp(perExample)))
          return nil
        }
        view = .image(height: h.value, width: w.value, low: low, high: high)
      case "scatter":
        guard perExample == 2 else {
          report(
            Diagnostic(
              .layoutMismatch, "a scatter plot shows 2-D points, but each sample has \(perExample) values",
              at: Label(v.range), secondary: [Label(s.value.range, "gives \(value.type.explained)")],
              help: Self.sampleViewHelp(perExample)))
          return nil
        }
        view = .scatter
      case "table":
        view = .table
      default:
        report(
          unknownNameDiagnostic(
            callee.name, at: callee.range, candidates: ["image", "scatter", "table"], what: "sample view"))
        return nil
      }
    }
    let defaultCount: Int
    switch view {
    case .image: defaultCount = 100
    case .scatter: defaultCount = 1000
    case .table: defaultCount = 100
    }
    return SampleSpec(value: value, interval: interval, count: count ?? defaultCount, view: view, range: s.range)
  }
}
