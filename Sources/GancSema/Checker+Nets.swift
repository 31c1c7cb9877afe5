import GancDiagnostics
import GancSource
import GancSyntax

/// What callers of a network need: its inputs and output, known before its body is checked.
struct NetSignature {
  var inputs: [(name: String, type: ValueType, range: SourceRange)]
  var output: ValueType
  var outputRange: SourceRange
  var nameRange: SourceRange
}

extension Checker {
  /// The signature of network `name`, resolved once; nil when its types are in error.
  mutating func netSignature(named name: String) -> NetSignature? {
    if let s = signatures[name] { return s }
    if failedSignatures.contains(name) { return nil }
    guard let decl = netDecls[name] ?? blockDecls[name] else { return nil }
    var ok = true
    var inputs: [(name: String, type: ValueType, range: SourceRange)] = []
    for p in decl.parameters {
      if let prior = inputs.first(where: { $0.name == p.name.name }) {
        report(
          Diagnostic(
            .duplicateDeclaration, "`\(name)` has two inputs named `\(p.name.name)`", at: Label(p.name.range),
            secondary: [Label(decl.parameters.first { $0.name.name == prior.name }!.name.range, "first one")]))
        ok = false
        continue
      }
      guard let t = resolveType(p.type) else {
        ok = false
        continue
      }
      if !requireBatchFirst(t, p.type, what: "a network input") { ok = false }
      inputs.append((p.name.name, t, p.type.range))
    }
    let output = resolveType(decl.output)
    if let output, output.isClassLabels {
      report(
        Diagnostic(
          .notAClassTensor, "a network outputs numbers, not class labels", at: Label(decl.output.range),
          help: "output scores (logits) of shape [B, K] instead"))
      ok = false
    }
    if let output, !requireBatchFirst(output, decl.output, what: "a network output") { ok = false }
    guard ok, let output else {
      failedSignatures.insert(name)
      return nil
    }
    let sig = NetSignature(inputs: inputs, output: output, outputRange: decl.output.range, nameRange: decl.name.range)
    signatures[name] = sig
    return sig
  }

  /// Checks a network's body once, creating its parameters.
  mutating func checkNet(named name: String) -> NetSpec? {
    if let n = nets[name] { return n }
    guard !netsStarted.contains(name), let decl = netDecls[name] else { return nil }
    netsStarted.insert(name)
    guard let sig = netSignature(named: name) else { return nil }
    callStack.append(name)
    defer { callStack.removeLast() }
    guard let (result, locals, parameters) = checkBody(decl, sig, context: name) else { return nil }
    let spec = NetSpec(
      name: name, inputs: sig.inputs.map { ($0.name, $0.type) }, output: sig.output, body: result,
      locals: locals, parameters: parameters, range: decl.range, nameRange: decl.name.range)
    nets[name] = spec
    return spec
  }

  /// Checks a network's or block's body in a fresh scope whose layers are named after
  /// `context` (`G`, or `G.res_0` for a block used in `G`); returns the result, the `let`s
  /// and the parameters the body's layers own.
  mutating func checkBody(_ decl: NetDecl, _ sig: NetSignature, context: String)
    -> (TypedExpr, [String: TypedExpr], [ParameterSpec])?
  {
    let name = decl.name.name
    let what = decl.isBlock ? "block" : "network"
    let outer = net
    net = NetContext(name: context, inputs: sig.inputs)
    defer { net = outer }
    var ok = true
    for stmt in decl.body {
      guard case .binding(let b) = stmt else { continue }
      let v = checkExpr(b.value)
      if sig.inputs.contains(where: { $0.name == b.name.name }) || net!.localRanges[b.name.name] != nil {
        let prior = net!.localRanges[b.name.name] ?? decl.parameters.first { $0.name.name == b.name.name }!.name.range
        report(
          Diagnostic(
            .duplicateDeclaration, "`\(b.name.name)` is already defined in `\(name)`", at: Label(b.name.range),
            secondary: [Label(prior, "first defined here")], help: "choose another name"))
        ok = false
        continue
      }
      net!.localRanges[b.name.name] = b.name.range
      if let v {
        net!.locals[b.name.name] = v
      } else {
        net!.failedLocals.insert(b.name.name)
        ok = false
      }
    }
    let result = checkExpr(decl.result)
    if let result {
      if result.type.isClassLabels || result.type.shape != sig.output.shape {
        var notes: [String] = []
        if let n = bindingNote(for: (result.type.shape + sig.output.shape).map(\.expr)) { notes.append(n) }
        if let path = sizesAlongTheWay(result) { notes.append(path) }
        let at =
          result.origin.map { o in
            decl.result.range.start <= o.range.start && o.range.end <= decl.result.range.end
              ? o.range : decl.result.range
          } ?? decl.result.range
        report(
          Diagnostic(
            .netOutputMismatch,
            "\(what) `\(name)` is declared to return \(sig.output.explained), but its body gives \(result.type.explained)",
            at: Label(at, "gives \(result.type.description)"),
            secondary: [Label(sig.outputRange, "declared \(sig.output.description) here")], notes: notes,
            help: result.type.rank == sig.output.rank
              ? "change the last layer's size, or the declared output" : "change the body or the declared output"))
        ok = false
      }
    } else {
      ok = false
    }
    // Unused inputs are the mark of a forgotten `concat` (a conditional net that ignores its label).
    for (i, input) in sig.inputs.enumerated() where !net!.usedInputs.contains(i) {
      report(
        Diagnostic(
          .unusedDeclaration, "input `\(input.name)` of \(what) `\(name)` is never used",
          at: Label(decl.parameters[i].name.range, "never used"),
          help: "use it in the body (for a label, `concat(..., one_hot(\(input.name)))`), or remove it"))
    }
    let unusedLocals = net!.localRanges.filter {
      !net!.usedLocals.contains($0.key) && !net!.failedLocals.contains($0.key)
    }
    for (local, range) in unusedLocals.sorted(by: { $0.value.start < $1.value.start }) {
      report(Diagnostic(.unusedDeclaration, "`\(local)` is never used", at: Label(range, "never used")))
    }
    guard ok, let result else { return nil }
    return (result, net!.locals, net!.parameters)
  }

  /// "sizes along the way, from the input: ..." for a body that changes spatial sizes, so
  /// an upsampling path that drifts from its declared size shows where.
  func sizesAlongTheWay(_ result: TypedExpr) -> String? {
    var steps: [String] = []
    var resizes = false
    var e = result
    while case .operation(let op, let xs) = e.kind, let x = xs.first {
      let size = "[" + e.type.shape.map { String($0.value) }.joined(separator: ", ") + "]"
      switch op {
      case .convolution(_, let c):
        steps.append("\(c.transposed ? "conv_transpose" : "conv")\(c.rank)d → \(size)")
        resizes = true
      case .upsample(let f):
        steps.append("upsample(\(f)) → \(size)")
        resizes = true
      case .averagePool(let k), .maxPool(let k):
        steps.append("\(op == .averagePool(size: k) ? "avg" : "max")_pool(\(k)) → \(size)")
        resizes = true
      case .reshape:
        steps.append("reshape → \(size)")
      default:
        break
      }
      e = x
    }
    guard resizes else { return nil }
    return "sizes along the way, from the input: " + steps.reversed().joined(separator: "; ")
  }
}
