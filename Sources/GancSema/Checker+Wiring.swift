import GancDiagnostics
import GancSource
import GancSyntax

/// Which parameters a value's gradient can reach: the networks whose layers it flows
/// through, and (inside a network body) which of the body's inputs it depends on.
struct GradientFlow {
  var nets: Set<String> = []
  var inputs: Set<Int> = []

  mutating func formUnion(_ o: GradientFlow) {
    nets.formUnion(o.nets)
    inputs.formUnion(o.inputs)
  }
}

extension Checker {
  /// The flow of `e`; with `throughDetach`, as if every `detach` were removed (used to
  /// explain why a network is not reached).
  func gradientFlow(_ e: TypedExpr, locals: [String: TypedExpr] = [:], throughDetach: Bool = false) -> GradientFlow {
    switch e.kind {
    case .input, .noise, .constant:
      return GradientFlow()
    case .netInput(let i):
      return GradientFlow(inputs: [i])
    case .local(let n):
      return locals[n].map { gradientFlow($0, locals: locals, throughDetach: throughDetach) } ?? GradientFlow()
    case .binding(let n):
      return bindings[n].map { gradientFlow($0, throughDetach: throughDetach) } ?? GradientFlow()
    case .operation(.detach, let xs):
      return throughDetach ? gradientFlow(xs[0], locals: locals, throughDetach: true) : GradientFlow()
    case .operation(.oneHot, _):
      return GradientFlow()  // class labels carry no gradient
    case .operation(let op, let xs):
      var f = GradientFlow()
      if op.instance != nil, let owner = net?.name ?? currentOwner(of: e) { f.nets.insert(owner) }
      for x in xs { f.formUnion(gradientFlow(x, locals: locals, throughDetach: throughDetach)) }
      return f
    case .block(_, let body, let blockLocals, let args):
      // Layers in a block belong to the network using it (named after it).
      let inner = gradientFlow(body, locals: blockLocals, throughDetach: throughDetach)
      var f = GradientFlow(nets: inner.nets)
      for (i, a) in args.enumerated() where inner.inputs.contains(i) {
        f.formUnion(gradientFlow(a, locals: locals, throughDetach: throughDetach))
      }
      return f
    case .call(let name, let args):
      guard let spec = nets[name] else {
        // The body is in error (already reported): assume it has parameters and uses every
        // input, so no step is blamed for the body's mistake.
        var f = GradientFlow(nets: [name])
        for a in args { f.formUnion(gradientFlow(a, locals: locals, throughDetach: throughDetach)) }
        return f
      }
      let body = gradientFlow(spec.body, locals: spec.locals, throughDetach: throughDetach)
      var f = GradientFlow()
      if !spec.parameters.isEmpty { f.nets.insert(name) }
      f.nets.formUnion(body.nets)
      for (i, a) in args.enumerated() where body.inputs.contains(i) {
        f.formUnion(gradientFlow(a, locals: locals, throughDetach: throughDetach))
      }
      return f
    }
  }

  /// The network a dense layer belongs to, from its instance name `NET.dense_k`.
  private func currentOwner(of e: TypedExpr) -> String? {
    if case .operation(let op, _) = e.kind, let instance = op.instance {
      return instance.split(separator: ".").first.map(String.init)
    }
    return nil
  }

  /// A step must be able to move every network it names.
  mutating func checkGradientWiring(schedule: Schedule?) {
    guard let schedule else { return }
    let stepDecls = program.declarations.flatMap { d -> [StepDecl] in
      guard case .train(let t) = d else { return [] }
      return t.items.compactMap { if case .step(let s) = $0 { s } else { nil } }
    }
    for step in schedule.steps {
      guard let loss = bindings[step.loss], let decl = stepDecls.first(where: { $0.name.name == step.name }) else {
        continue
      }
      let flow = gradientFlow(loss)
      for netName in step.nets where !flow.nets.contains(netName) {
        let at = decl.networks.first { $0.name == netName }?.range ?? decl.range
        let lossRange = symbols[step.loss]?.range ?? decl.loss.range
        if let spec = nets[netName], spec.parameters.isEmpty {
          report(
            Diagnostic(
              .lossDoesNotReach, "network `\(netName)` has no parameters, so step `\(step.name)` cannot train it",
              at: Label(at, "nothing to train"),
              secondary: [Label(spec.nameRange, "`\(netName)` has no layers with parameters")],
              help: "remove `\(netName)` from `wrt`"))
          continue
        }
        let throughDetach = gradientFlow(loss, throughDetach: true).nets.contains(netName)
        report(
          Diagnostic(
            .lossDoesNotReach,
            throughDetach
              ? "loss `\(step.loss)` reaches `\(netName)` only through `detach`, so step `\(step.name)` cannot train it"
              : "loss `\(step.loss)` does not depend on `\(netName)`, so step `\(step.name)` cannot train it",
            at: Label(at, "`\(netName)` gets no gradient from `\(step.loss)`"),
            secondary: [Label(lossRange, "`\(step.loss)` is defined here")],
            help: throughDetach
              ? "remove the `detach` on the path through `\(netName)`, or remove `\(netName)` from `wrt`"
              : "minimize a loss that uses `\(netName)`, or remove `\(netName)` from `wrt`"))
      }
    }
  }

  /// Warns about networks that no step trains and declarations that nothing uses.
  mutating func warnUnused(schedule: Schedule?) {
    let trained = Set(schedule?.steps.flatMap(\.nets) ?? [])
    for decl in program.declarations {
      switch decl {
      case .net(let n) where schedule != nil && !trained.contains(n.name.name):
        if let spec = nets[n.name.name], !spec.parameters.isEmpty {
          report(
            Diagnostic(
              .untrainedNetwork, "no step trains network `\(n.name.name)`; its parameters stay at their initial values",
              at: Label(n.name.range, "never trained"),
              help: "add it to a step's `wrt`, or remove it"))
        }
      default:
        break
      }
      let entry: (String, SourceRange, String)?
      switch decl {
      case .data(let d): entry = (d.name.name, d.name.range, "data set")
      case .input(let d): entry = (d.name.name, d.name.range, "input")
      case .noise(let d): entry = (d.name.name, d.name.range, "noise")
      case .binding(let d): entry = (d.name.name, d.name.range, "value")
      case .loss(let d): entry = (d.name.name, d.name.range, "loss")
      case .net(let d): entry = (d.name.name, d.name.range, d.isBlock ? "block" : "network")
      case .dimension(let d): entry = (d.name.name, d.name.range, "dimension")
      case .metric, .train: entry = nil
      }
      if let (name, range, what) = entry, !used.contains(name), symbols[name]?.range == range {
        report(
          Diagnostic(
            .unusedDeclaration, "\(what) `\(name)` is never used", at: Label(range, "never used"),
            help: what == "loss" ? "minimize it in a step, or remove it" : "remove it, or use it"))
      }
    }
  }
}
