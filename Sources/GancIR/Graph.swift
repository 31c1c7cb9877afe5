/// An SSA value: defined once, by one instruction, with a static shape.
public struct ValueID: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let index: Int
  public init(_ index: Int) { self.index = index }
  public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
  public var description: String { "%\(index)" }
}

/// One instruction: an op applied to operands, defining its results.
public struct Instruction: Sendable, Hashable {
  public var op: Op
  public var operands: [ValueID]
  public var results: [ValueID]

  public init(op: Op, operands: [ValueID], results: [ValueID]) {
    self.op = op
    self.operands = operands
    self.results = results
  }
}

/// A static dataflow graph: instructions in an order where every operand is defined
/// before it is used. Values are numbered densely; `shapes[v.index]` is `v`'s shape.
public struct Graph: Sendable {
  public var shapes: [[Int]] = []
  public var instructions: [Instruction] = []
  /// Named values the graph exists to compute (a loss, gradients, samples). Passes keep
  /// these and anything they depend on.
  public var outputs: [(name: String, value: ValueID)] = []

  public init() {}

  public func shape(of v: ValueID) -> [Int] { shapes[v.index] }
  public func elementCount(of v: ValueID) -> Int { shapes[v.index].reduce(1, *) }

  public func output(named n: String) -> ValueID? { outputs.first { $0.name == n }?.value }

  /// For each value, the index of the instruction defining it.
  public func definingInstructions() -> [Int?] {
    var def = [Int?](repeating: nil, count: shapes.count)
    for (i, inst) in instructions.enumerated() {
      for r in inst.results { def[r.index] = i }
    }
    return def
  }

  /// For each value, the indices of the instructions using it.
  public func uses() -> [[Int]] {
    var u = [[Int]](repeating: [], count: shapes.count)
    for (i, inst) in instructions.enumerated() {
      for o in inst.operands where !u[o.index].contains(i) { u[o.index].append(i) }
    }
    return u
  }

  /// A new value of `shape` (not yet defined by any instruction).
  public mutating func newValue(_ shape: [Int]) -> ValueID {
    shapes.append(shape)
    return ValueID(shapes.count - 1)
  }

  /// Appends `op` applied to `operands`, inferring result shapes; a failure here is a bug
  /// in the code that builds the graph.
  @discardableResult
  public mutating func emit(_ op: Op, _ operands: [ValueID], shape declared: [Int]? = nil) -> [ValueID] {
    switch op.resultShapes(for: operands.map { shapes[$0.index] }, declared: declared) {
    case .success(let resultShapes):
      let results = resultShapes.map { newValue($0) }
      instructions.append(Instruction(op: op, operands: operands, results: results))
      return results
    case .failure(let e):
      preconditionFailure("ill-shaped IR: \(e.message)")
    }
  }

  /// `emit` for single-result ops.
  public mutating func add(_ op: Op, _ operands: ValueID..., shape: [Int]? = nil) -> ValueID {
    emit(op, operands, shape: shape)[0]
  }

  /// Replaces every use of `old` by `new` (operands and outputs).
  public mutating func replaceUses(of old: ValueID, with new: ValueID) {
    for i in instructions.indices {
      for j in instructions[i].operands.indices where instructions[i].operands[j] == old {
        instructions[i].operands[j] = new
      }
    }
    for i in outputs.indices where outputs[i].value == old { outputs[i].value = new }
  }
}
