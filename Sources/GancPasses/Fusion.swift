import GancIR

/// Fuses the patterns that dominate a GAN step into single kernels:
///
/// - `matmul → add_bias → activation` becomes `dense[act]`: the bias and activation run in
///   the epilogue of the matrix product, over memory that is still in cache, and the
///   pre-activation never gets a buffer of its own.
/// - `activation_grad → sum_rows` becomes one pass computing both the gradient through the
///   activation (from its output) and the bias gradient.
/// - a loss and its gradient with respect to the prediction become one pass.
///
/// A pattern is fused only when its intermediate values have no other use.
public struct Fusion: GraphPass {
  public let name = "fusion"
  public init() {}

  public func run(_ graph: Graph) -> Graph {
    var g = graph
    fuseDense(&g)
    fuseActivationGradSumRows(&g)
    fuseLossWithGrad(&g)
    return g
  }

  private func soleUse(_ v: ValueID, _ uses: [[Int]], _ g: Graph) -> Int? {
    let u = uses[v.index]
    guard u.count == 1, !g.outputs.contains(where: { $0.value == v }) else { return nil }
    let users = g.instructions[u[0]].operands.filter { $0 == v }
    return users.count == 1 ? u[0] : nil
  }

  private func fuseDense(_ g: inout Graph) {
    let uses = g.uses()
    var dead: Set<Int> = []
    for i in g.instructions.indices {
      let mm = g.instructions[i]
      guard mm.op == .matmul(transposeA: false, transposeB: false), g.shape(of: mm.operands[1]).count == 2 else {
        continue
      }
      var operands = mm.operands
      var last = i
      var result = mm.results[0]
      var activation = Activation.identity
      var members = [i]
      if let j = soleUse(result, uses, g), g.instructions[j].op == .addBias, g.instructions[j].operands[0] == result {
        operands.append(g.instructions[j].operands[1])
        result = g.instructions[j].results[0]
        last = j
        members.append(j)
      }
      if let k = soleUse(result, uses, g), case .activation(let a) = g.instructions[k].op {
        activation = a
        result = g.instructions[k].results[0]
        last = k
        members.append(k)
      }
      guard members.count > 1 else { continue }
      // The fused op takes the place of the last member: its operands (the bias may be
      // defined after the product) all come before it, and its result's users after.
      g.instructions[last] = Instruction(op: .dense(activation), operands: operands, results: [result])
      for m in members where m != last { dead.insert(m) }
    }
    g.removeInstructions(dead)
  }

  private func fuseActivationGradSumRows(_ g: inout Graph) {
    let uses = g.uses()
    var dead: Set<Int> = []
    for i in g.instructions.indices {
      let inst = g.instructions[i]
      guard case .activationGrad(let a) = inst.op else { continue }
      let dz = inst.results[0]
      guard let j = uses[dz.index].first(where: { g.instructions[$0].op == .sumRows }) else { continue }
      let db = g.instructions[j].results[0]
      g.instructions[i] = Instruction(op: .activationGradSumRows(a), operands: inst.operands, results: [dz, db])
      dead.insert(j)
    }
    g.removeInstructions(dead)
  }

  private func fuseLossWithGrad(_ g: inout Graph) {
    var dead: Set<Int> = []
    for i in g.instructions.indices {
      guard case .loss(let f) = g.instructions[i].op else { continue }
      let operands = g.instructions[i].operands
      guard
        let j = g.instructions.indices.first(where: {
          g.instructions[$0].op == .lossGrad(f) && g.instructions[$0].operands == operands
        })
      else { continue }
      let fused = Instruction(
        op: .lossWithGrad(f), operands: operands, results: [g.instructions[i].results[0], g.instructions[j].results[0]])
      g.instructions[min(i, j)] = fused
      dead.insert(max(i, j))
    }
    g.removeInstructions(dead)
  }
}
