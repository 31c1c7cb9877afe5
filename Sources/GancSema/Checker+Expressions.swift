import GancDiagnostics
import GancSource
import GancSyntax

extension Checker {
  /// Types an expression in the current scope: a network body when `net` is set, the
  /// model's top level otherwise. Returns nil after reporting, or when an operand failed.
  mutating func checkExpr(_ e: Expr) -> TypedExpr? {
    switch e.kind {
    case .missing:
      return nil
    case .integer(let v):
      return TypedExpr(.constant(Double(v)), .scalar, e.range)
    case .float(let v):
      return TypedExpr(.constant(v), .scalar, e.range)
    case .string:
      report(Diagnostic(.optionType, "a string is not a tensor", at: Label(e.range, "a string")))
      return nil
    case .identifier(let n):
      return resolveValue(n, at: e.range)
    case .subscript(let base, let items):
      return checkSubscript(base, items, range: e.range)
    case .list(let xs):
      xs.forEach { markUsed($0) }
      report(
        Diagnostic(
          .wrongKindOfName, "a list is not a tensor", at: Label(e.range, "a list"),
          help: "lists name columns or fields of a data set; join tensors with `concat(a, b)`"))
      return nil
    case .call(let callee, let arguments):
      if netDecls[callee.name] != nil || blockDecls[callee.name] != nil {
        return checkNetCall(callee, arguments, range: e.range, calleeRange: e.stageRange ?? callee.range)
      }
      if let sig = BuiltinSignature.all[callee.name] {
        return checkBuiltinCall(sig, arguments, range: e.range, calleeRange: e.stageRange ?? callee.range)
      }
      arguments.forEach { markUsed($0.value) }
      if let s = symbols[callee.name] {
        report(
          Diagnostic(
            .wrongKindOfName, "`\(callee.name)` is \(s.kind.rawValue), so it cannot be called",
            at: Label(callee.range, "not a layer or network"), secondary: [Label(s.range, "declared here")]))
        return nil
      }
      let candidates = Array(BuiltinSignature.all.keys) + Array(netDecls.keys) + Array(blockDecls.keys)
      report(unknownNameDiagnostic(callee.name, at: callee.range, candidates: candidates, what: "layer or function"))
      return nil
    case .member(_, let name, _):
      markUsed(e)
      report(
        Diagnostic(
          .wrongKindOfName, "`.\(name.name)` selects data columns, which only an `input` declaration can do",
          at: Label(e.range)))
      return nil
    case .unary(.negate, let x):
      guard let v = checkExpr(x) else { return nil }
      guard !v.type.isClassLabels else {
        report(Diagnostic(.notAClassTensor, "class labels cannot be negated", at: Label(x.range)))
        return nil
      }
      if case .constant(let c) = v.kind { return TypedExpr(.constant(-c), .scalar, e.range) }
      return TypedExpr(.operation(.negate, [v]), v.type, e.range, origin: v.origin)
    case .binary(let op, let l, let r):
      return checkArithmetic(op, l, r, range: e.range)
    case .range:
      markUsed(e)
      report(
        Diagnostic(.wrongKindOfName, "a range is not a tensor; ranges select data columns", at: Label(e.range)))
      return nil
    }
  }

  /// Marks the names in `e` as used without checking it: for the operands of a call that
  /// failed before they were checked, so one mistake does not also warn that they are unused.
  mutating func markUsed(_ e: Expr) {
    switch e.kind {
    case .identifier(let n):
      if var ctx = net {
        if let i = ctx.inputs.firstIndex(where: { $0.name == n }) {
          ctx.usedInputs.insert(i)
          net = ctx
          return
        }
        if ctx.locals[n] != nil || ctx.failedLocals.contains(n) {
          ctx.usedLocals.insert(n)
          net = ctx
          return
        }
      }
      used.insert(n)
    case .call(let callee, let arguments):
      used.insert(callee.name)
      arguments.forEach { markUsed($0.value) }
    case .member(let base, _, let arguments):
      markUsed(base)
      arguments?.forEach { markUsed($0.value) }
    case .unary(_, let x):
      markUsed(x)
    case .binary(_, let a, let b), .range(let a, let b, _):
      markUsed(a)
      markUsed(b)
    case .subscript(let base, let items):
      markUsed(base)
      for item in items {
        switch item.kind {
        case .index(let x): markUsed(x)
        case .range(let a, let b):
          if let a { markUsed(a) }
          if let b { markUsed(b) }
        }
      }
    case .list(let xs):
      xs.forEach { markUsed($0) }
    case .integer, .float, .string, .missing:
      break
    }
  }

  /// A name used as a value.
  private mutating func resolveValue(_ n: String, at range: SourceRange) -> TypedExpr? {
    if var ctx = net {
      if ctx.failedLocals.contains(n) {
        ctx.usedLocals.insert(n)
        net = ctx
        return nil  // its value is in error, already reported
      }
      if let i = ctx.inputs.firstIndex(where: { $0.name == n }) {
        ctx.usedInputs.insert(i)
        net = ctx
        let input = ctx.inputs[i]
        return TypedExpr(
          .netInput(i), input.type, range,
          origin: Label(input.range, "`\(n)` is declared \(input.type.description) here"))
      }
      if let local = ctx.locals[n] {
        ctx.usedLocals.insert(n)
        net = ctx
        return TypedExpr(.local(n), local.type, range, origin: local.origin)
      }
    }
    if let v = dimensionValues[n] {
      used.insert(n)
      return TypedExpr(.constant(Double(v)), .scalar, range)
    }
    guard let s = symbols[n] else {
      var candidates = Array(symbols.keys)
      if let ctx = net { candidates += ctx.inputs.map(\.name) + ctx.locals.keys }
      reportUnknownName(n, at: range, candidates: candidates, what: "value")
      return nil
    }
    if let ctx = net, [.input, .noise, .binding, .loss].contains(s.kind) {
      used.insert(n)
      report(
        Diagnostic(
          .wrongKindOfName, "network `\(ctx.name)` cannot see `\(n)`; a network sees only its own inputs",
          at: Label(range, "not an input of `\(ctx.name)`"), secondary: [Label(s.range, "declared here")],
          help: "add `\(n)` to the inputs of `\(ctx.name)` and pass it where the network is called"))
      return nil
    }
    used.insert(n)
    switch s.kind {
    case .input:
      guard let i = inputs[n] else { return nil }
      return TypedExpr(
        .input(n), i.type, range,
        origin: Label(typeRanges[n] ?? s.range, "`\(n)` is declared \(i.type.description) here"))
    case .noise:
      guard let i = noises[n] else { return nil }
      return TypedExpr(
        .noise(n), i.type, range,
        origin: Label(typeRanges[n] ?? s.range, "`\(n)` is declared \(i.type.description) here"))
    case .binding, .loss:
      guard let v = checkBinding(named: n) else { return nil }
      return TypedExpr(.binding(n), v.type, range, origin: v.origin)
    case .net, .block:
      report(
        Diagnostic(
          .wrongKindOfName, "`\(n)` is \(s.kind.rawValue); call it with its inputs", at: Label(range, s.kind.rawValue),
          secondary: [Label(s.range, "declared here")], help: "write `\(n)(...)`, or pipe into it: `x |> \(n)`"))
      return nil
    case .dataSet:
      report(
        Diagnostic(
          .wrongKindOfName, "`\(n)` is a data set; declare an `input` that reads it", at: Label(range),
          secondary: [Label(s.range, "declared here")]))
      return nil
    case .dimension:
      return nil  // declared but its value failed to check; already reported
    case .metric:
      report(
        Diagnostic(
          .wrongKindOfName, "`\(n)` is a metric: it is logged, not used in computations", at: Label(range),
          secondary: [Label(s.range, "declared here")], help: "use the expression it measures instead"))
      return nil
    }
  }

  /// A top-level `let` or loss, checked on first use.
  mutating func checkBinding(named n: String) -> TypedExpr? {
    if let v = bindings[n] { return v }
    guard let decl = bindingDecls[n], !failedBindings.contains(n) else { return nil }
    if bindingsStarted.contains(n) {
      report(
        Diagnostic(
          .recursiveNet, "`\(n)` is defined in terms of itself", at: Label(decl.range, "refers back to itself")))
      return nil
    }
    bindingsStarted.insert(n)
    let saved = net
    net = nil
    let v = checkExpr(decl.value)
    net = saved
    if let v { bindings[n] = v } else { failedBindings.insert(n) }
    return v
  }

  private mutating func checkArithmetic(_ op: BinaryOperator, _ l: Expr, _ r: Expr, range: SourceRange) -> TypedExpr? {
    let operation: Operation
    switch op {
    case .add: operation = .add
    case .subtract: operation = .subtract
    case .multiply: operation = .multiply
    case .divide: operation = .divide
    default:
      report(
        Diagnostic(
          .unexpectedToken, "`\(op.rawValue)` compares numbers; it is not allowed in a tensor expression",
          at: Label(range)))
      return nil
    }
    let a = checkExpr(l)
    let b = checkExpr(r)
    guard let a, let b else { return nil }
    for x in [a, b] where x.type.isClassLabels {
      report(
        Diagnostic(
          .notAClassTensor, "arithmetic needs numbers, but this holds class labels \(x.type.description)",
          at: Label(x.range, "class labels"), secondary: originLabels(x), help: "use `one_hot(...)` first"))
      return nil
    }
    if case .constant(let x) = a.kind, case .constant(let y) = b.kind {
      let v: Double
      switch operation {
      case .add: v = x + y
      case .subtract: v = x - y
      case .multiply: v = x * y
      default: v = x / y
      }
      return TypedExpr(.constant(v), .scalar, range)
    }
    if a.type.isScalar || b.type.isScalar || a.type.shape == b.type.shape {
      let wide = a.type.isScalar ? b : a
      return TypedExpr(.operation(operation, [a, b]), wide.type, range, origin: wide.origin)
    }
    if let d = shiftedSliceDiagnostic(a, b, comparing: "`\(op.rawValue)`") {
      report(d)
      return nil
    }
    report(
      Diagnostic(
        .shapeMismatch,
        "`\(op.rawValue)` needs operands of the same shape (or a single number), but they are \(a.type.explained) and \(b.type.explained)",
        at: Label(b.range, "has shape \(b.type.description)"),
        secondary: [Label(a.range, "has shape \(a.type.description)")] + originLabels(a) + originLabels(b),
        notes: bindingNote(for: (a.type.shape + b.type.shape).map(\.expr)).map { [$0] } ?? [],
        help: "only single numbers are broadcast; make the shapes equal (`reshape`, `squeeze`), or reduce with `mean`"))
    return nil
  }

  // MARK: - Calls

  private mutating func checkBuiltinCall(
    _ sig: BuiltinSignature, _ args: [Argument], range: SourceRange, calleeRange: SourceRange
  ) -> TypedExpr? {
    var operandExprs: [Expr] = []
    var optionExprs: [String: (Expr, SourceRange)] = [:]
    var ok = true
    var positionalOptions = 0
    var sizeExprs: [Expr] = []
    let optionNames = sig.options.map(\.name)
    for arg in args {
      if let label = arg.label {
        guard optionNames.contains(label.name) else {
          report(
            Diagnostic(
              .unknownOption, "`\(sig.name)` has no option `\(label.name)`", at: Label(label.range, "unknown option"),
              help: Suggestions.didYouMean(label.name, among: optionNames)
                ?? (optionNames.isEmpty
                  ? "`\(sig.name)` takes no options"
                  : "its options are \(optionNames.map { "`\($0)`" }.joined(separator: ", "))")))
          ok = false
          continue
        }
        if optionExprs[label.name] != nil {
          report(Diagnostic(.duplicateOption, "`\(label.name)` is given twice", at: Label(label.range)))
          ok = false
          continue
        }
        optionExprs[label.name] = (arg.value, label.range.union(arg.value.range))
        continue
      }
      if sig.options.contains(where: { $0.kind.isVariadic }), operandExprs.count >= sig.operands.minimum {
        sizeExprs.append(arg.value)
        continue
      }
      switch sig.operands {
      case .atLeast:
        operandExprs.append(arg.value)
      case .exactly(let n) where operandExprs.count < n:
        operandExprs.append(arg.value)
      case .exactly:
        guard positionalOptions < sig.options.count else {
          report(
            Diagnostic(
              .wrongArgumentCount, "`\(sig.name)` takes \(describeArity(sig)), but it is given one more argument",
              at: Label(arg.value.range, "unexpected argument"),
              secondary: [Label(calleeRange, "`\(sig.name)` called here")]))
          ok = false
          continue
        }
        let name = sig.options[positionalOptions].name
        positionalOptions += 1
        if optionExprs[name] != nil {
          report(Diagnostic(.duplicateOption, "`\(name)` is given twice", at: Label(arg.value.range)))
          ok = false
          continue
        }
        optionExprs[name] = (arg.value, arg.value.range)
      }
    }
    if operandExprs.count < sig.operands.minimum {
      report(
        Diagnostic(
          .wrongArgumentCount,
          "`\(sig.name)` takes \(describeArity(sig)), but it is given \(operandExprs.count)",
          at: Label(
            calleeRange,
            "missing \(sig.operands.minimum - operandExprs.count) tensor argument\(sig.operands.minimum - operandExprs.count == 1 ? "" : "s")"
          ),
          help: sig.operands.minimum == 1
            ? "pass the input, as in `\(sig.name)(x)` or `x |> \(sig.name)`"
            : sig.category == .loss
              ? "a loss takes the prediction and then the target, as in `\(sig.name)(D(fake), 1)`" : nil))
      ok = false
    }
    var operands: [TypedExpr] = []
    for e in operandExprs {
      if let t = checkExpr(e) { operands.append(t) } else { ok = false }
    }
    var options: [String: OptionValue] = [:]
    var optionRanges: [String: SourceRange] = [:]
    for spec in sig.options {
      if spec.kind.isVariadic, let first = sizeExprs.first {
        let r = first.range.union(sizeExprs.last!.range)
        optionRanges[spec.name] = r
        if let v = evaluateSizes(sizeExprs, allowZero: spec.kind == .indices) {
          options[spec.name] = v
        } else {
          ok = false
        }
      } else if let (e, r) = optionExprs[spec.name] {
        optionRanges[spec.name] = r
        if let v = evaluateOption(spec, e, in: sig.name) { options[spec.name] = v } else { ok = false }
      } else {
        switch spec.presence {
        case .required:
          report(
            Diagnostic(
              .missingOption, "`\(sig.name)` needs `\(spec.name)`: \(spec.help)",
              at: Label(calleeRange, "missing `\(spec.name)`"),
              help: "write it as `\(sig.name)(\(spec.name): ...)`"))
          ok = false
        case .defaulted(let v): options[spec.name] = v
        case .optional: break
        }
      }
    }
    guard ok else { return nil }
    let site = CallSite(
      name: sig.name, range: range, calleeRange: calleeRange, operands: operands, options: options,
      optionRanges: optionRanges)
    currentCallRange = calleeRange
    return sig.rule(&self, site)
  }

  private mutating func evaluateSizes(_ parts: [Expr], allowZero: Bool = false) -> OptionValue? {
    var dims: [Dim] = []
    for p in parts {
      guard let d = evaluateDim(p) else { return nil }
      guard d.value > 0 || (allowZero && d.value == 0) else {
        report(Diagnostic(.optionRange, "a size must be positive, not \(d.value)", at: Label(p.range)))
        return nil
      }
      dims.append(d)
    }
    return .sizes(dims)
  }

  private func describeArity(_ sig: BuiltinSignature) -> String {
    switch sig.operands {
    case .exactly(let n): "\(n) tensor argument\(n == 1 ? "" : "s")"
    case .atLeast(let n): "at least \(n) tensor arguments"
    }
  }

  mutating func evaluateOption(_ spec: OptionSpec, _ e: Expr, in callee: String) -> OptionValue? {
    switch spec.kind {
    case .size:
      if case .float = e.kind {
        report(
          Diagnostic(
            .optionType, "`\(spec.name)` of `\(callee)` is a size, a whole number",
            at: Label(e.range, "not a whole number")))
        return nil
      }
      guard let d = evaluateDim(e) else { return nil }
      guard d.value > 0 else {
        report(
          Diagnostic(.optionRange, "`\(spec.name)` of `\(callee)` must be positive, not \(d.value)", at: Label(e.range))
        )
        return nil
      }
      return .size(d)
    case .number(let lo, let hi, let openLo, let openHi):
      guard let v = evaluateNumber(e) else { return nil }
      let tooLow = lo.map { openLo ? v <= $0 : v < $0 } ?? false
      let tooHigh = hi.map { openHi ? v >= $0 : v > $0 } ?? false
      if tooLow || tooHigh || v.isNaN {
        let range =
          "\(lo.map { (openLo ? "(" : "[") + formatNumber($0) } ?? "(-∞"), \(hi.map { formatNumber($0) + (openHi ? ")" : "]") } ?? "∞)")"
        report(
          Diagnostic(
            .optionRange, "`\(spec.name)` of `\(callee)` must be in \(range), but it is \(formatNumber(v))",
            at: Label(e.range, "out of range"), notes: [spec.help]))
        return nil
      }
      return .number(v)
    case .sizes, .indices:
      return evaluateSizes([e], allowZero: spec.kind == .indices)
    case .count:
      if case .float = e.kind {
        report(
          Diagnostic(
            .optionType, "`\(spec.name)` of `\(callee)` is a whole number", at: Label(e.range, "not a whole number")))
        return nil
      }
      guard let d = evaluateDim(e) else { return nil }
      guard d.value >= 0 else {
        report(
          Diagnostic(
            .optionRange, "`\(spec.name)` of `\(callee)` cannot be negative, not \(d.value)", at: Label(e.range)))
        return nil
      }
      return .size(d)
    case .axis:
      switch e.kind {
      case .integer(let v): return .axis(.index(v))
      case .unary(.negate, let x):
        if case .integer(let v) = x.kind { return .axis(.index(-v)) }
      case .identifier(let n) where dimensionValues[n] != nil:
        used.insert(n)
        return .axis(.named(n))
      default: break
      }
      report(
        Diagnostic(
          .optionType, "`\(spec.name)` of `\(callee)` is an axis: an index such as `1`, or a dimension such as `B`",
          at: Label(e.range, "not an axis")))
      return nil
    case .flag:
      if case .identifier(let n) = e.kind, n == "true" || n == "false" { return .flag(n == "true") }
      report(Diagnostic(.optionType, "`\(spec.name)` of `\(callee)` is `true` or `false`", at: Label(e.range)))
      return nil
    }
  }

  private mutating func checkNetCall(
    _ callee: Identifier, _ args: [Argument], range: SourceRange, calleeRange: SourceRange
  ) -> TypedExpr? {
    let name = callee.name
    used.insert(name)
    if let ctx = net, ctx.name == name || callStack.contains(name) {
      args.forEach { markUsed($0.value) }
      report(
        Diagnostic(
          .recursiveNet, "network `\(name)` calls itself", at: Label(calleeRange, "a call of `\(name)`"),
          help: "networks are unrolled when compiled; a network cannot call itself"))
      return nil
    }
    guard let sig = netSignature(named: name) else {
      args.forEach { markUsed($0.value) }
      return nil
    }
    var ok = true
    for a in args where a.label != nil {
      report(
        Diagnostic(
          .unknownOption, "network inputs are passed by position", at: Label(a.label!.range, "a label"),
          help: "drop `\(a.label!.name):`"))
      ok = false
    }
    let values = args.map { checkExpr($0.value) }
    guard ok else { return nil }
    if values.count != sig.inputs.count {
      let plural = sig.inputs.count == 1 ? "" : "s"
      report(
        Diagnostic(
          .wrongArgumentCount,
          "`\(name)` takes \(sig.inputs.count) input\(plural), but it is given \(values.count)",
          at: Label(calleeRange, "given \(values.count)"),
          secondary: [
            Label(
              sig.nameRange, "`\(name)` takes (\(sig.inputs.map { "\($0.name): \($0.type)" }.joined(separator: ", ")))")
          ]))
      return nil
    }
    var typed: [TypedExpr] = []
    for (i, v) in values.enumerated() {
      guard let v else {
        ok = false
        continue
      }
      let p = sig.inputs[i]
      if v.type.isClassLabels != p.type.isClassLabels {
        report(
          Diagnostic(
            .notAClassTensor,
            p.type.isClassLabels
              ? "input `\(p.name)` of `\(name)` takes class labels, but it is given numbers \(v.type.description)"
              : "input `\(p.name)` of `\(name)` takes numbers, but it is given class labels \(v.type.description)",
            at: Label(v.range, "has type \(v.type.description)"),
            secondary: [Label(p.range, "`\(p.name)` is declared \(p.type.description) here")] + originLabels(v),
            help: p.type.isClassLabels ? nil : "pass `one_hot(...)` of the labels, or change the input's type"))
        ok = false
      } else if v.type.shape != p.type.shape {
        var notes: [String] = []
        if let n = bindingNote(for: (v.type.shape + p.type.shape).map(\.expr)) { notes.append(n) }
        report(
          Diagnostic(
            .argumentShape,
            "input `\(p.name)` of `\(name)` is \(p.type.explained), but it is given \(v.type.explained)",
            at: Label(v.range, "has shape \(v.type.description)"),
            secondary: [Label(p.range, "`\(p.name)` is declared \(p.type.description) here")] + originLabels(v),
            notes: notes,
            help: "pass a value of shape \(p.type.description), or change the declared type of `\(p.name)`"))
        ok = false
      } else if let a = v.type.classes, let b = p.type.classes, a != b {
        report(
          Diagnostic(
            .classCountMismatch,
            "input `\(p.name)` of `\(name)` has \(b.value) classes, but it is given labels of \(a.value)",
            at: Label(v.range, "\(a.value) classes"),
            secondary: [Label(p.range, "declared with \(b.value) classes here")] + originLabels(v)))
        ok = false
      } else {
        typed.append(v)
      }
    }
    guard ok else { return nil }
    if let block = blockDecls[name] {
      return useBlock(block, sig, arguments: typed, range: range, calleeRange: calleeRange)
    }
    return TypedExpr(
      .call(net: name, arguments: typed), sig.output, range,
      origin: Label(sig.outputRange, "`\(name)` returns \(sig.output.description)"))
  }

  /// One use of a block inside a network: its body is checked for this use, and the
  /// parameters its layers create join the network's, named after the use (`G.res_1`).
  private mutating func useBlock(
    _ decl: NetDecl, _ sig: NetSignature, arguments: [TypedExpr], range: SourceRange, calleeRange: SourceRange
  ) -> TypedExpr? {
    let name = decl.name.name
    guard net != nil else {
      report(
        Diagnostic(
          .wrongKindOfName, "block `\(name)` has layers of its own at each use, so it is used inside a network",
          at: Label(calleeRange, "outside any `net`"), secondary: [Label(decl.name.range, "declared here")],
          help: "call it in a network's body; to share parameters between uses, declare it as a `net`"))
      return nil
    }
    guard let instance = newLayerInstance(name, at: calleeRange) else { return nil }
    callStack.append(name)
    defer { callStack.removeLast() }
    let saved = diagnostics.count
    let checked = checkBody(decl, sig, context: instance)
    if blocksChecked.contains(name) {
      // The body's warnings were reported at its first use.
      let fresh = diagnostics[saved...]
      diagnostics.removeSubrange(saved...)
      diagnostics += fresh.filter { $0.severity == .error }
    }
    blocksChecked.insert(name)
    guard let (body, locals, parameters) = checked else { return nil }
    addParameters(parameters)
    return TypedExpr(
      .block(instance: instance, body: body, locals: locals, arguments: arguments), sig.output, range,
      origin: Label(sig.outputRange, "`\(name)` returns \(sig.output.description)"))
  }

  // MARK: - Subscripts

  /// `x[:, 1:, :]`: each item narrows one leading axis (`a:b`, negative bounds from the end)
  /// or picks one position and drops the axis (`a`). Out-of-range bounds are an error, not
  /// clamped as in Python, since a silently shorter slice is how shifted sequences misalign.
  private mutating func checkSubscript(_ base: Expr, _ items: [SliceItem], range: SourceRange) -> TypedExpr? {
    guard let x = checkExpr(base) else {
      markUsed(Expr(.subscript(base: base, items: items), range))
      return nil
    }
    guard items.count <= x.type.rank else {
      report(
        Diagnostic(
          .sliceOutOfRange,
          "`\(file.text(in: base.range))` has \(x.type.rank) axes, but the subscript has \(items.count)",
          at: Label(items[x.type.rank].range, "one axis too many"), secondary: originLabels(x)))
      return nil
    }
    var result = x
    var shape = x.type.shape
    var dropped: [Int] = []
    for (axis, item) in items.enumerated() {
      let n = shape[axis]
      func bound(_ e: Expr?, default d: Int) -> Int? {
        guard let e else { return d }
        guard let v = evaluateSignedInteger(e) else { return nil }
        return v < 0 ? n.value + v : v
      }
      switch item.kind {
      case .range(let lo, let hi):
        guard let start = bound(lo, default: 0), let end = bound(hi, default: n.value) else { return nil }
        guard start >= 0, end <= n.value, start < end else {
          report(
            Diagnostic(
              .sliceOutOfRange,
              "`\(file.text(in: item.range))` selects \(start)..<\(end) of an axis of size \(describe(n)), which is \(start < 0 || end > n.value || start >= n.value ? "out of range" : "empty")",
              at: Label(item.range, "axis \(axis) has \(n.value) entries"), secondary: originLabels(x),
              notes: bindingNote(for: [n.expr]).map { [$0] } ?? [],
              help: "bounds run from 0 to \(n.value) (negative ones count from the end)"))
          return nil
        }
        if start == 0 && end == n.value { continue }
        let length = end - start
        // Keep the size symbolic where it can be: `1:` of T is `T - 1`.
        var expr = DimExpr.constant(length)
        if hi == nil, !n.expr.isConstant {
          expr = .subtract(n.expr, .constant(start))
        } else if lo == nil || start == 0, let h = hi, let v = evaluateSignedInteger(h), v < 0, !n.expr.isConstant {
          expr = .subtract(n.expr, .constant(-v))
        }
        shape[axis] = Dim(expr, value: length)
        let type = ValueType(shape, classes: x.type.classes)
        result = TypedExpr(
          .operation(.slice(axis: axis, start: start, length: length), [result]), type, range,
          origin: Label(range, "`\(file.text(in: range))` is \(type.explained)"))
      case .index(let e):
        guard let v = evaluateSignedInteger(e) else { return nil }
        let i = v < 0 ? n.value + v : v
        guard i >= 0, i < n.value else {
          report(
            Diagnostic(
              .sliceOutOfRange, "index \(v) is outside an axis of size \(describe(n))",
              at: Label(item.range, "axis \(axis) has \(n.value) entries"), secondary: originLabels(x),
              notes: bindingNote(for: [n.expr]).map { [$0] } ?? []))
          return nil
        }
        shape[axis] = .constant(1)
        result = TypedExpr(
          .operation(.slice(axis: axis, start: i, length: 1), [result]), ValueType(shape, classes: x.type.classes),
          range)
        dropped.append(axis)
      }
    }
    if !dropped.isEmpty {
      for a in dropped.reversed() { shape.remove(at: a) }
      let type = ValueType(shape, classes: x.type.classes)
      result = TypedExpr(
        .operation(.reshape, [result]), type, range,
        origin: Label(range, "`\(file.text(in: range))` is \(type.explained)"))
    }
    return result
  }

  /// An integer, possibly negative, possibly written with dims (`T - 1`).
  private mutating func evaluateSignedInteger(_ e: Expr) -> Int? {
    if case .unary(.negate, let x) = e.kind { return evaluateSignedInteger(x).map { -$0 } }
    if case .float = e.kind {
      report(Diagnostic(.optionType, "a slice bound is a whole number", at: Label(e.range, "not a whole number")))
      return nil
    }
    return evaluateDim(e)?.value
  }
}
