import GancDiagnostics
import GancSource
import GancSyntax

/// What a top-level name stands for.
enum SymbolKind: String {
  case dimension = "a dimension"
  case dataSet = "a data set"
  case input = "an input"
  case noise = "a noise input"
  case net = "a network"
  case block = "a block"
  case binding = "a value"
  case loss = "a loss"
  case metric = "a metric"
}

struct Symbol {
  var kind: SymbolKind
  var range: SourceRange
}

/// Resolves names and infers the type of every value in a program.
///
/// The checker reports every error it finds. An expression that fails to check becomes
/// `nil`, and anything built from a `nil` is skipped silently, so one mistake gives one
/// error rather than a cascade.
public struct Checker {
  let file: SourceFile
  let program: Program
  var diagnostics: [Diagnostic] = []

  var symbols: [String: Symbol] = [:]
  var dimensions: [DimensionInfo] = []
  var dimensionValues: [String: Int] = [:]
  var dimensionExprs: [String: DimExpr] = [:]
  var batchName: String?
  /// Dimensions whose value is in error (already reported): uses of them are skipped quietly.
  var failedDimensions: Set<String> = []

  var dataSets: [String: DataSetSpec] = [:]
  var inputs: [String: InputSpec] = [:]
  var noises: [String: NoiseSpec] = [:]

  var netDecls: [String: NetDecl] = [:]
  var blockDecls: [String: NetDecl] = [:]
  /// Blocks whose body has been checked once (its warnings are reported once, not per use).
  var blocksChecked: Set<String> = []
  var nets: [String: NetSpec] = [:]
  /// Networks whose checking has started: to detect recursion and to check each once.
  var netsStarted: Set<String> = []
  var bindingDecls: [String: (value: Expr, range: SourceRange)] = [:]
  var bindings: [String: TypedExpr] = [:]
  var bindingsStarted: Set<String> = []
  /// Top-level `let`s and losses whose value is in error (already reported).
  var failedBindings: Set<String> = []
  /// Names referred to anywhere, for the "never used" warnings.
  var used: Set<String> = []

  var signatures: [String: NetSignature] = [:]
  var failedSignatures: Set<String> = []
  /// The networks whose bodies are being checked, outermost first.
  var callStack: [String] = []
  /// Where each input's and noise's type is written, for "declared here" labels.
  var typeRanges: [String: SourceRange] = [:]

  /// The network whose body is being checked, if any.
  var net: NetContext?
  /// Whether a `metric`'s value is being checked (where `accuracy` is allowed).
  var inMetric = false
  /// The call whose shape rule is running, for errors found below it.
  var currentCallRange = SourceRange(at: 0)

  struct NetContext {
    var name: String
    var inputs: [(name: String, type: ValueType, range: SourceRange)]
    var locals: [String: TypedExpr] = [:]
    var localRanges: [String: SourceRange] = [:]
    var usedLocals: Set<String> = []
    var usedInputs: Set<Int> = []
    /// Body `let`s whose value is in error (already reported): uses of them are skipped quietly.
    var failedLocals: Set<String> = []
    var layerCounts: [String: Int] = [:]
    var parameters: [ParameterSpec] = []
  }

  init(program: Program, file: SourceFile) {
    self.program = program
    self.file = file
  }

  /// Checks `program`. The model is nil when there is any error; warnings come either way.
  public static func check(_ program: Program, file: SourceFile) -> (model: Model?, diagnostics: [Diagnostic]) {
    var c = Checker(program: program, file: file)
    let model = c.run()
    return (c.diagnostics.contains { $0.severity == .error } ? nil : model, c.diagnostics)
  }

  /// Records a diagnostic; an identical one (a block's mistake, seen at each use) is kept once.
  mutating func report(_ d: Diagnostic) {
    if diagnostics.contains(d) { return }
    diagnostics.append(d)
  }

  private mutating func run() -> Model? {
    declareNames()
    checkDimensions()
    checkDataSets()
    checkInputs()
    checkNoises()
    for decl in program.declarations {
      if case .net(let n) = decl { _ = checkNet(named: n.name.name) }
    }
    for decl in program.declarations {
      if case .binding(let b) = decl { _ = checkBinding(named: b.name.name) }
    }
    var losses: [LossSpec] = []
    for decl in program.declarations {
      if case .loss(let l) = decl, let value = checkBinding(named: l.name.name) {
        guard value.type.isScalar else {
          report(
            Diagnostic(
              .notScalar, "loss `\(l.name.name)` must be a single number, but it is \(value.type.explained)",
              at: Label(l.value.range, "has shape \(value.type.description)"), secondary: originLabels(value),
              help: "use a loss function such as `bce_logits(...)`, or average with `mean(...)`"))
          continue
        }
        losses.append(LossSpec(name: l.name.name, value: value, range: l.range, nameRange: l.name.range))
      }
    }
    var metrics: [LossSpec] = []
    for decl in program.declarations {
      guard case .metric(let m) = decl, symbols[m.name.name]?.range == m.name.range else { continue }
      inMetric = true
      let value = checkExpr(m.value)
      inMetric = false
      guard let value else { continue }
      guard value.type.isScalar else {
        report(
          Diagnostic(
            .notScalar, "metric `\(m.name.name)` must be a single number, but it is \(value.type.explained)",
            at: Label(m.value.range, "has shape \(value.type.description)"), secondary: originLabels(value),
            help: "average it with `mean(...)`"))
        continue
      }
      metrics.append(LossSpec(name: m.name.name, value: value, range: m.range, nameRange: m.name.range))
    }
    let schedule = checkTraining(losses: losses)
    checkGradientWiring(schedule: schedule)
    warnUnused(schedule: schedule)

    guard let schedule, let batchName else { return nil }
    let orderedNets = program.declarations.compactMap { d -> NetSpec? in
      if case .net(let n) = d { return nets[n.name.name] }
      return nil
    }
    return Model(
      name: program.name?.name ?? "model", dimensions: dimensions, batchDimension: batchName,
      dataSets: program.declarations.compactMap { d in
        if case .data(let x) = d { return dataSets[x.name.name] }
        return nil
      },
      inputs: program.declarations.compactMap { d in
        if case .input(let x) = d { return inputs[x.name.name] }
        return nil
      },
      noises: program.declarations.compactMap { d in
        if case .noise(let x) = d { return noises[x.name.name] }
        return nil
      },
      nets: orderedNets, bindings: bindings, losses: losses, metrics: metrics, schedule: schedule)
  }

  /// Registers every top-level name; a second declaration of a name is an error that
  /// points at both.
  private mutating func declareNames() {
    for decl in program.declarations {
      let entry: (Identifier, SymbolKind)?
      switch decl {
      case .dimension(let d): entry = (d.name, .dimension)
      case .data(let d): entry = (d.name, .dataSet)
      case .input(let d): entry = (d.name, .input)
      case .noise(let d): entry = (d.name, .noise)
      case .net(let d) where d.isBlock:
        entry = (d.name, .block)
        if symbols[d.name.name] == nil { blockDecls[d.name.name] = d }
      case .net(let d):
        entry = (d.name, .net)
        if symbols[d.name.name] == nil { netDecls[d.name.name] = d }
      case .binding(let d):
        entry = (d.name, .binding)
        if symbols[d.name.name] == nil { bindingDecls[d.name.name] = (d.value, d.range) }
      case .loss(let d):
        entry = (d.name, .loss)
        if symbols[d.name.name] == nil { bindingDecls[d.name.name] = (d.value, d.range) }
      case .metric(let d): entry = (d.name, .metric)
      case .train: entry = nil
      }
      guard let (name, kind) = entry, !name.name.isEmpty else { continue }
      if let builtin = BuiltinSignature.all[name.name] {
        report(
          Diagnostic(
            .duplicateDeclaration, "`\(name.name)` is the name of a built-in \(builtin.category.rawValue)",
            at: Label(name.range, "would hide the built-in"), help: "choose another name"))
        continue
      }
      if let previous = symbols[name.name] {
        report(
          Diagnostic(
            .duplicateDeclaration, "`\(name.name)` is declared twice", at: Label(name.range, "declared again here"),
            secondary: [Label(previous.range, "first declared here as \(previous.kind.rawValue)")],
            help: "rename one of them"))
        continue
      }
      symbols[name.name] = Symbol(kind: kind, range: name.range)
    }
    let trains = program.declarations.compactMap { d -> TrainDecl? in
      if case .train(let t) = d { return t }
      return nil
    }
    for extra in trains.dropFirst() {
      report(
        Diagnostic(
          .duplicateDeclaration, "a model has one `train` block",
          at: Label(SourceRange(start: extra.range.start, end: extra.range.start + 5), "second block"),
          secondary: [Label(SourceRange(start: trains[0].range.start, end: trains[0].range.start + 5), "first block")],
          help: "merge the blocks"))
    }
  }

  // MARK: - Helpers used by the rules

  /// Labels for where `x`'s shape came from, if that is somewhere other than `x` itself.
  func originLabels(_ x: TypedExpr) -> [Label] {
    guard let o = x.origin, o.range != x.range else { return [] }
    return [o]
  }

  /// `B = 64, K = 10 (declared at lines 2 and 4)` for the dims these expressions mention.
  func bindingNote(for exprs: [DimExpr]) -> String? {
    let names = exprs.reduce(into: Set<String>()) { $0.formUnion($1.names) }
    let ordered = dimensions.filter { names.contains($0.name) }
    guard !ordered.isEmpty else { return nil }
    let values = ordered.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
    let lines = ordered.map { String(file.location(of: $0.range.start).line) }
    let where_ =
      lines.count == 1 ? "line \(lines[0])" : "lines \(lines.dropLast().joined(separator: ", ")) and \(lines.last!)"
    return "\(values) (declared at \(where_))"
  }

  /// `74` or `64 + K = 74`.
  func describe(_ d: Dim) -> String {
    d.expr.isConstant ? String(d.value) : "\(d.expr) = \(d.value)"
  }

  /// A fresh name for a layer instance in the current network, e.g. `G.dense_2`.
  mutating func newLayerInstance(_ layer: String, at range: SourceRange) -> String? {
    guard var ctx = net else {
      report(
        Diagnostic(
          .wrongKindOfName, "`\(layer)` has parameters, so it belongs inside a network",
          at: Label(range, "a layer outside any `net`"),
          help: "move it into a `net` body and call the network here"))
      return nil
    }
    let k = ctx.layerCounts[layer, default: 0]
    ctx.layerCounts[layer] = k + 1
    net = ctx
    return "\(ctx.name).\(layer)_\(k)"
  }

  /// Adds a layer's parameters to the network being checked. A tensor of more than 2⁴⁰
  /// values (far beyond any machine, and beyond what sizes can be multiplied safely) is an
  /// error at the call being checked.
  mutating func addParameters(_ ps: [ParameterSpec]) {
    if let huge = ps.first(where: { saturatingProduct($0.shape) >= 1 << 40 }) {
      report(
        Diagnostic(
          .optionRange, "this layer's parameter `\(huge.name)` would hold more than 2⁴⁰ values",
          at: Label(currentCallRange, "too large"), help: "use smaller sizes"))
      return
    }
    net?.parameters.append(contentsOf: ps)
  }

  /// The product of `factors`, or `Int.max` when it would overflow: for sizes that only
  /// need to be large, never exact (a fan-in, a size check against a limit).
  func saturatingProduct(_ factors: [Int]) -> Int {
    var p = 1
    for f in factors {
      let (q, overflow) = p.multipliedReportingOverflow(by: f)
      if overflow { return Int.max }
      p = q
    }
    return p
  }
}
