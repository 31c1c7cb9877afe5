import GancIR

/// A graph-to-graph transformation with a name (shown by `ganc ir --passes`).
public protocol GraphPass: Sendable {
  var name: String { get }
  func run(_ g: Graph) -> Graph
}

/// The standard pipeline between autodiff and the runtime.
public enum Pipeline {
  public static let standard: [any GraphPass] = [
    RemoveStopGradients(), CommonSubexpressions(), Simplify(), DeadCode(), Fusion(), DeadCode(),
  ]

  public static func run(_ g: Graph, passes: [any GraphPass] = standard) -> Graph {
    passes.reduce(g) { $1.run($0) }
  }

  public static func run(_ step: TrainingStep, passes: [any GraphPass] = standard) -> TrainingStep {
    var s = step
    s.graph = run(step.graph, passes: passes)
    return s
  }
}

extension Graph {
  /// Removes the instructions at `indices` (they must define nothing still used).
  mutating func removeInstructions(_ indices: Set<Int>) {
    guard !indices.isEmpty else { return }
    instructions = instructions.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
  }
}

/// `stop_gradient` matters only to autodiff; afterwards it is the identity.
public struct RemoveStopGradients: GraphPass {
  public let name = "remove-stop-gradients"
  public init() {}

  public func run(_ graph: Graph) -> Graph {
    var g = graph
    var dead: Set<Int> = []
    // Read each instruction after the earlier replacements: in `stop_gradient(stop_gradient(x))`
    // the outer one's operand has just become `x`.
    for i in g.instructions.indices where g.instructions[i].op == .stopGradient {
      g.replaceUses(of: g.instructions[i].results[0], with: g.instructions[i].operands[0])
      dead.insert(i)
    }
    g.removeInstructions(dead)
    return g
  }
}

/// Merges instructions that apply the same op to the same operands (e.g. `one_hot(y)` in
/// both networks of a conditional GAN).
public struct CommonSubexpressions: GraphPass {
  public let name = "cse"
  public init() {}

  private struct Key: Hashable {
    var op: Op
    var operands: [ValueID]
    var shape: [Int]
  }

  public func run(_ graph: Graph) -> Graph {
    var g = graph
    var seen: [Key: [ValueID]] = [:]
    var dead: Set<Int> = []
    for i in g.instructions.indices {
      let inst = g.instructions[i]
      if inst.op.hasSideEffects { continue }
      let key = Key(op: inst.op, operands: inst.operands, shape: g.shape(of: inst.results[0]))
      if let prior = seen[key] {
        for (old, new) in zip(inst.results, prior) { g.replaceUses(of: old, with: new) }
        dead.insert(i)
      } else {
        seen[key] = inst.results
      }
    }
    g.removeInstructions(dead)
    return g
  }
}

/// Algebraic clean-up of what autodiff leaves: products with the constant 1 (the loss
/// seed), products with constant scalars as `scale`, and chains of scales.
public struct Simplify: GraphPass {
  public let name = "simplify"
  public init() {}

  public func run(_ graph: Graph) -> Graph {
    var g = graph
    var changed = true
    while changed {
      changed = false
      let def = g.definingInstructions()
      func constant(_ v: ValueID) -> Float? {
        guard let i = def[v.index], case .constant(let c) = g.instructions[i].op else { return nil }
        return c
      }
      for i in g.instructions.indices {
        let inst = g.instructions[i]
        switch inst.op {
        case .binary(.multiply):
          let (a, b) = (inst.operands[0], inst.operands[1])
          let out = g.shape(of: inst.results[0])
          if let c = constant(b), g.shape(of: a) == out {
            g.instructions[i] = Instruction(op: .scale(c), operands: [a], results: inst.results)
            changed = true
          } else if let c = constant(a), g.shape(of: b) == out {
            g.instructions[i] = Instruction(op: .scale(c), operands: [b], results: inst.results)
            changed = true
          }
        case .scale(let c):
          if c == 1 {
            g.replaceUses(of: inst.results[0], with: inst.operands[0])
            g.instructions[i] = Instruction(op: .scale(1), operands: inst.operands, results: inst.results)
          } else if let d = def[inst.operands[0].index], case .scale(let c2) = g.instructions[d].op {
            g.instructions[i] = Instruction(
              op: .scale(c * c2), operands: g.instructions[d].operands, results: inst.results)
            changed = true
          }
        default:
          break
        }
      }
    }
    return g
  }
}

/// Removes instructions whose results no output depends on.
public struct DeadCode: GraphPass {
  public let name = "dce"
  public init() {}

  public func run(_ graph: Graph) -> Graph {
    var g = graph
    var live = [Bool](repeating: false, count: g.shapes.count)
    for (_, v) in g.outputs { live[v.index] = true }
    var dead: Set<Int> = []
    for i in stride(from: g.instructions.count - 1, through: 0, by: -1) {
      let inst = g.instructions[i]
      if inst.op.hasSideEffects || inst.results.contains(where: { live[$0.index] }) {
        for o in inst.operands { live[o.index] = true }
      } else {
        dead.insert(i)
      }
    }
    g.removeInstructions(dead)
    return g
  }
}
