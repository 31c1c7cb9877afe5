import GancIR

/// A graph that cannot be differentiated (an op with no derivative on the path).
public struct AutodiffError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

/// Reverse-mode differentiation as a graph transformation.
///
/// Only values that both depend on a trained parameter (*active*) and feed the loss get an
/// adjoint, so a step computes no gradient it does not need: a network it does not train
/// gets no weight gradients, and a `detach`ed path is not walked at all.
public enum Autodiff {
  /// Appends to `graph` the gradient of `loss` with respect to each parameter in
  /// `parameters`, as outputs named `TrainingStep.gradientOutput(name)`.
  public static func differentiate(_ graph: Graph, loss: ValueID, withRespectTo parameters: [String])
    throws(AutodiffError) -> Graph
  {
    var g = graph
    let wanted = Set(parameters)
    let forwardCount = g.instructions.count

    // Active: depends on a trained parameter through differentiable ops.
    var active = [Bool](repeating: false, count: g.shapes.count)
    for inst in g.instructions {
      switch inst.op {
      case .parameter(let n) where wanted.contains(n):
        active[inst.results[0].index] = true
      case .stopGradient, .oneHot, .input, .parameter, .constant, .state, .updateState, .dropoutMask, .argmax, .maxMask:
        break
      default:
        if inst.operands.contains(where: { active[$0.index] }) {
          for r in inst.results { active[r.index] = true }
        }
      }
    }
    // Needed: the loss depends on it.
    var needed = [Bool](repeating: false, count: g.shapes.count)
    needed[loss.index] = true
    for inst in g.instructions.reversed() where inst.results.contains(where: { needed[$0.index] }) {
      for o in inst.operands { needed[o.index] = true }
    }

    var adjoint: [ValueID: ValueID] = [:]
    func accumulate(_ v: ValueID, _ d: ValueID, _ g: inout Graph) {
      if let prior = adjoint[v] {
        adjoint[v] = g.add(.binary(.add), prior, d)
      } else {
        adjoint[v] = d
      }
    }
    if active[loss.index] {
      adjoint[loss] = g.add(.constant(1), shape: g.shape(of: loss))
    }
    for i in stride(from: forwardCount - 1, through: 0, by: -1) {
      let inst = g.instructions[i]
      guard inst.results.count == 1, let dy = adjoint[inst.results[0]], active[inst.results[0].index] else { continue }
      let wants = inst.operands.map { active[$0.index] && needed[$0.index] }
      guard wants.contains(true) else { continue }
      let grads = try VJP.pullback(inst, dy: dy, wants: wants, in: &g)
      for (o, d) in zip(inst.operands, grads) {
        if let d, active[o.index] { accumulate(o, d, &g) }
      }
    }

    // A parameter may have several `param` instructions (CSE merges them only later); they
    // are one tensor, so its gradient is the sum of their adjoints.
    var parameterValues: [String: [ValueID]] = [:]
    for inst in g.instructions.prefix(forwardCount) {
      if case .parameter(let n) = inst.op { parameterValues[n, default: []].append(inst.results[0]) }
    }
    for p in parameters {
      guard let values = parameterValues[p] else {
        throw AutodiffError(message: "parameter \(p) does not appear in the graph")
      }
      let adjoints = values.compactMap { adjoint[$0] }
      let out: ValueID
      if let first = adjoints.first {
        out = adjoints.dropFirst().reduce(first) { g.add(.binary(.add), $0, $1) }
      } else {
        out = g.add(.constant(0), shape: g.shape(of: values[0]))
      }
      g.outputs.append((TrainingStep.gradientOutput(p), out))
    }
    return g
  }

  /// The step with its graph extended by the gradients of the parameters it trains.
  public static func differentiate(_ step: TrainingStep) throws(AutodiffError) -> TrainingStep {
    var s = step
    guard let loss = step.graph.output(named: TrainingStep.lossOutput) else {
      throw AutodiffError(message: "step \(step.name) has no loss output")
    }
    s.graph = try differentiate(step.graph, loss: loss, withRespectTo: step.parameters)
    return s
  }
}
