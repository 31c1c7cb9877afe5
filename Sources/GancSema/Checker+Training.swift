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
    let keyword = SourceRange(start: train.range.start, end: train.range.start + 5)
    var ok = true
    var seen: [String: SourceRange] = [:]
    var seed: UInt64 = 0
    var optimizer = OptimizerSpec()
    var named: [String: (spec: OptimizerSpec, range: SourceRange)] = [:]
    var logInterval = 100
    var checkpointInterval: Int?
    var sampleDecl: SampleDecl?
    var phaseDecls: [PhaseDecl] = []
    var topLevel: [TrainItem] = []

    // Settings of the whole block first: the default and named optimizers apply to every step.
    for item in train.items {
      switch item {
      case .setting(let name, let value) where ["seed", "optimizer"].contains(name.name),
        .every(let name, let value):
        guard firstTime(name, &seen) else {
          ok = false
          continue
        }
        switch name.name {
        case "seed":
          if let v = positiveInteger(value, "seed", allowZero: true) { seed = UInt64(v) } else { ok = false }
        case "optimizer":
          if let o = checkOptimizer(value) { optimizer = o } else { ok = false }
        case "log": if let v = positiveInteger(value, "log every") { logInterval = v } else { ok = false }
        default:
          checkpointInterval = positiveInteger(value, "checkpoint every")
          ok = ok && checkpointInterval != nil
        }
      case .namedOptimizer(let name, let value):
        if let prior = named[name.name] {
          report(
            Diagnostic(
              .duplicateDeclaration, "two optimizers are named `\(name.name)`", at: Label(name.range),
              secondary: [Label(prior.range, "first one")]))
          ok = false
        } else if let o = checkOptimizer(value) {
          named[name.name] = (o, name.range)
        } else {
          ok = false
        }
      case .sample(let s):
        if let prior = sampleDecl {
          report(
            Diagnostic(
              .duplicateOption, "a training block has one `sample` line", at: Label(s.range),
              secondary: [Label(prior.range, "first one")]))
          ok = false
        }
        sampleDecl = s
      case .phase(let p):
        phaseDecls.append(p)
      case .setting, .step:
        topLevel.append(item)
      }
    }

    var phases: [PhaseSpec] = []
    var stepNames: [String: SourceRange] = [:]
    var context = StepContext(losses: losses, optimizer: optimizer, named: named.mapValues(\.spec))
    if phaseDecls.isEmpty {
      if let p = checkPhase(
        name: "train", items: topLevel, keyword: keyword, where: "the training block", &context, &stepNames)
      {
        phases.append(p)
      } else {
        ok = false
      }
    } else {
      for item in topLevel {
        let (name, range): (String, SourceRange) =
          switch item {
          case .step(let s): ("step", s.range)
          case .setting(let n, let v): (n.name, n.range.union(v.range))
          default: ("", item.range)
          }
        report(
          Diagnostic(
            .unexpectedToken, "with phases, `\(name)` belongs inside a phase", at: Label(range),
            secondary: [Label(phaseDecls[0].name.range, "the first phase")],
            help: "move it into the phase it is part of"))
        ok = false
      }
      var phaseNames: [String: SourceRange] = [:]
      for p in phaseDecls {
        if let prior = phaseNames[p.name.name] {
          report(
            Diagnostic(
              .duplicateDeclaration, "two phases are named `\(p.name.name)`", at: Label(p.name.range),
              secondary: [Label(prior, "first one")]))
          ok = false
        }
        phaseNames[p.name.name] = p.name.range
        let nested = p.items.filter {
          switch $0 {
          case .setting(let n, _): return !["steps", "epochs"].contains(n.name)
          case .step: return false
          default: return true
          }
        }
        for item in nested {
          report(
            Diagnostic(
              .unexpectedToken,
              "a phase holds its length (`steps` or `epochs`) and its steps; this belongs to the whole block",
              at: Label(item.range), secondary: [Label(p.name.range, "in phase `\(p.name.name)`")],
              help: "move it out of the phase, into the training block"))
          ok = false
        }
        let items = p.items.filter { item in !nested.contains { $0.range == item.range } }
        if let spec = checkPhase(
          name: p.name.name, items: items, keyword: p.name.range, where: "phase `\(p.name.name)`", &context, &stepNames)
        {
          phases.append(spec)
        } else {
          ok = false
        }
      }
    }
    ok = ok && context.ok
    for (name, o) in named where !context.usedOptimizers.contains(name) {
      report(
        Diagnostic(
          .unusedDeclaration, "optimizer `\(name)` is never used", at: Label(o.range, "never used"),
          help: "use it in a step with `using \(name)`, or remove it"))
    }

    var sample: SampleSpec?
    if let s = sampleDecl {
      sample = checkSample(s)
      ok = ok && sample != nil
    }
    guard ok else { return nil }
    return Schedule(
      seed: seed, phases: phases, optimizers: named.mapValues(\.spec), logInterval: logInterval,
      checkpointInterval: checkpointInterval, sample: sample)
  }

  /// What steps are checked against: the losses, the default and named optimizers.
  struct StepContext {
    var losses: [LossSpec]
    var optimizer: OptimizerSpec
    var named: [String: OptimizerSpec]
    var usedOptimizers: Set<String> = []
    var ok = true
  }

  /// One phase (or the whole block without phases): its length and its steps.
  private mutating func checkPhase(
    name: String, items: [TrainItem], keyword: SourceRange, where place: String, _ context: inout StepContext,
    _ stepNames: inout [String: SourceRange]
  ) -> PhaseSpec? {
    var ok = true
    var seen: [String: SourceRange] = [:]
    var iterations: Int?
    var epochs: Int?
    var steps: [StepSpec] = []
    var stepCount = 0
    for item in items {
      switch item {
      case .setting(let n, let value):
        guard firstTime(n, &seen) else {
          ok = false
          continue
        }
        if n.name == "steps" {
          iterations = positiveInteger(value, "steps")
          ok = ok && iterations != nil
        } else if n.name == "epochs" {
          epochs = positiveInteger(value, "epochs")
          ok = ok && epochs != nil
        }
      case .step(let s):
        stepCount += 1
        if let prior = stepNames[s.name.name] {
          report(
            Diagnostic(
              .duplicateDeclaration, "two steps are named `\(s.name.name)`", at: Label(s.name.range),
              secondary: [Label(prior, "first one")]))
          ok = false
        }
        stepNames[s.name.name] = s.name.range
        if let step = checkStep(s, &context) { steps.append(step) } else { ok = false }
      default:
        break
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
          .missingOption, "\(place) does not say how long to train", at: Label(keyword, "no `steps` or `epochs`"),
          help: "add `steps 10000` (iterations) or `epochs 20` (passes over the data)"))
      ok = false
    }
    if stepCount == 0 {
      report(
        Diagnostic(
          .noSteps, "\(place) has no steps, so nothing would be trained", at: Label(keyword),
          help: "add a step such as `step d: minimize d_loss wrt D`"))
      ok = false
    }
    guard ok else { return nil }
    return PhaseSpec(
      name: name, iterations: iterations, epochs: epochs, steps: steps,
      range: keyword)
  }

  /// Records a setting; a second one is reported against the first.
  private mutating func firstTime(_ name: Identifier, _ seen: inout [String: SourceRange]) -> Bool {
    if let prior = seen[name.name] {
      report(
        Diagnostic(
          .duplicateOption, "`\(name.name)` is set twice", at: Label(name.range, "set again"),
          secondary: [Label(prior, "first set here")]))
      return false
    }
    seen[name.name] = name.range
    return true
  }

  /// A whole number setting: positive (or zero when allowed).
  private mutating func positiveInteger(_ e: Expr, _ what: String, allowZero: Bool = false) -> Int? {
    // `-3` is a negated literal: a whole number, just not a positive one.
    if case .unary(.negate, let inner) = e.kind, case .integer(let v) = inner.kind, v != 0 {
      report(
        Diagnostic(
          .optionRange, "`\(what)` must be \(allowZero ? "zero or more" : "positive"), not -\(v)", at: Label(e.range)))
      return nil
    }
    var e = e
    if case .unary(.negate, let inner) = e.kind, case .integer(0) = inner.kind { e = inner }
    guard case .integer(let v) = e.kind else {
      if case .missing = e.kind { return nil }
      var help: String?
      if case .float(let f) = e.kind, f == f.rounded(), f >= 0, f < 1e15 {
        // `steps 1e4`, as Python writes it: a real number that is whole.
        help = "`\(file.text(in: e.range))` is a real number; write the whole number `\(Int(f))`"
      }
      report(
        Diagnostic(.optionType, "`\(what)` takes a whole number", at: Label(e.range, "not a whole number"), help: help))
      return nil
    }
    guard v > 0 || (allowZero && v == 0) else {
      report(
        Diagnostic(
          .optionRange, "`\(what)` must be \(allowZero ? "zero or more" : "positive"), not \(v)", at: Label(e.range)))
      return nil
    }
    return v
  }

  /// `adam(lr: 2e-4, beta1: 0.5)`; `named` are the optimizers a step may also name.
  private mutating func checkOptimizer(_ e: Expr, named: [String] = []) -> OptimizerSpec? {
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
      report(unknownNameDiagnostic(callee.name, at: callee.range, candidates: ["adam"] + named, what: "optimizer"))
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

  private mutating func checkStep(_ s: StepDecl, _ context: inout StepContext) -> StepSpec? {
    let losses = context.losses
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
    var stepOptimizer = context.optimizer
    var shared: String?
    if let o = s.optimizer {
      if case .identifier(let n) = o.kind, let spec = context.named[n] {
        stepOptimizer = spec
        shared = n
        context.usedOptimizers.insert(n)
      } else {
        guard let v = checkOptimizer(o, named: Array(context.named.keys)) else { return nil }
        stepOptimizer = v
      }
    }
    var condition: StepCondition?
    if let c = s.condition {
      guard let v = checkCondition(c, loss: s.loss.name) else { return nil }
      condition = v
    }
    guard ok else { return nil }
    return StepSpec(
      name: s.name.name, loss: s.loss.name, nets: nets, repeatCount: repeatCount, optimizer: stepOptimizer,
      sharedOptimizer: shared, condition: condition, range: s.range)
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
    inMetric = true
    let checked = checkExpr(s.value)
    inMetric = false
    guard let value = checked else { return nil }
    guard !value.type.isScalar else {
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
      case "series":
        view = .series
      case "table":
        view = .table
      default:
        report(
          unknownNameDiagnostic(
            callee.name, at: callee.range, candidates: ["image", "scatter", "series", "table"], what: "sample view"))
        return nil
      }
    }
    let defaultCount: Int
    switch view {
    case .image: defaultCount = 100
    case .scatter: defaultCount = 1000
    case .table, .series: defaultCount = 100
    }
    return SampleSpec(value: value, interval: interval, count: count ?? defaultCount, view: view, range: s.range)
  }

  /// `when d_loss > 0.15` (or `0.15 < d_loss`): the step's own loss against a number.
  private mutating func checkCondition(_ e: Expr, loss: String) -> StepCondition? {
    guard case .binary(let op, let l, let r) = e.kind,
      let cmp = StepCondition.Comparison(rawValue: op.rawValue)
    else {
      if case .missing = e.kind { return nil }
      report(
        Diagnostic(
          .optionType, "a step's condition compares its loss with a number", at: Label(e.range),
          help: "write, for example, `when \(loss) > 0.15`"))
      return nil
    }
    func isLoss(_ x: Expr) -> Bool {
      if case .identifier(let n) = x.kind { return n == loss }
      return false
    }
    let mirrored: [StepCondition.Comparison: StepCondition.Comparison] = [
      .less: .greater, .greater: .less, .lessEqual: .greaterEqual, .greaterEqual: .lessEqual,
    ]
    let (side, number, comparison): (Expr, Expr, StepCondition.Comparison) =
      isLoss(l) ? (l, r, cmp) : isLoss(r) ? (r, l, mirrored[cmp]!) : (l, r, cmp)
    guard isLoss(side) else {
      report(
        Diagnostic(
          .optionType, "a step's condition is about the loss the step minimizes, `\(loss)`", at: Label(e.range),
          help: "write, for example, `when \(loss) > 0.15`"))
      return nil
    }
    guard let v = evaluateNumber(number) else { return nil }
    return StepCondition(comparison: comparison, threshold: v)
  }
}
