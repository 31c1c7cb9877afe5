import GancIR
import GancRuntime
import Testing

/// A malformed graph, built instruction by instruction (bypassing `Graph.emit`'s checks),
/// and a phrase the verifier's report must contain.
struct MalformedCase: Sendable, CustomTestStringConvertible {
  var name: String
  var expected: String
  var graph: Graph
  var testDescription: String { name }
}

func graph(_ shapes: [[Int]], _ instructions: [(Op, [Int], [Int])], outputs: [(String, Int)] = []) -> Graph {
  var g = Graph()
  g.shapes = shapes
  g.instructions = instructions.map {
    Instruction(op: $0.0, operands: $0.1.map(ValueID.init), results: $0.2.map(ValueID.init))
  }
  g.outputs = outputs.map { ($0.0, ValueID($0.1)) }
  return g
}

let malformedCases: [MalformedCase] = [
  MalformedCase(
    name: "use before definition", expected: "before it is defined",
    graph: graph(
      [[2, 3], [2, 3], [2, 3]],
      [(.activation(.tanh), [1], [2]), (.parameter("p"), [], [0]), (.activation(.relu), [0], [1])])),
  MalformedCase(
    name: "use of a value nothing defines", expected: "before it is defined",
    graph: graph([[2, 3], [2, 3], [2, 3]], [(.parameter("p"), [], [0]), (.binary(.add), [0, 2], [1])])),
  MalformedCase(
    name: "operand out of range", expected: "before it is defined",
    graph: graph([[2, 3], [2, 3]], [(.parameter("p"), [], [0]), (.activation(.relu), [7], [1])])),
  MalformedCase(
    name: "wrong result shape (matmul)", expected: "gives [2, 4]",
    graph: graph(
      [[2, 3], [3, 4], [4, 2]],
      [
        (.parameter("a"), [], [0]), (.parameter("b"), [], [1]),
        (.matmul(transposeA: false, transposeB: false), [0, 1], [2]),
      ])),
  MalformedCase(
    name: "wrong result shape (sum is a scalar)", expected: "gives []",
    graph: graph([[2, 3], [1]], [(.parameter("p"), [], [0]), (.sum, [0], [1])])),
  MalformedCase(
    name: "wrong result shape (second result)", expected: "gives [3]",
    graph: graph(
      [[2, 3], [2, 3], [2, 3], [2]],
      [(.parameter("dy"), [], [0]), (.parameter("y"), [], [1]), (.activationGradSumRows(.tanh), [0, 1], [2, 3])])),
  MalformedCase(
    name: "operand shapes break the rule (add_bias)", expected: "add_bias",
    graph: graph(
      [[2, 3], [2], [2, 3]], [(.parameter("x"), [], [0]), (.parameter("b"), [], [1]), (.addBias, [0, 1], [2])])),
  MalformedCase(
    name: "operand shapes break the rule (binary)", expected: "differ",
    graph: graph(
      [[2, 3], [3, 2], [2, 3]], [(.parameter("a"), [], [0]), (.parameter("b"), [], [1]), (.binary(.add), [0, 1], [2])])),
  MalformedCase(
    name: "loss with a scalar target", expected: "differ",
    graph: graph(
      [[4, 2], [], []], [(.parameter("p"), [], [0]), (.parameter("t"), [], [1]), (.loss(.mse), [0, 1], [2])])),
  MalformedCase(
    name: "matmul inner dimensions", expected: "inner dimensions",
    graph: graph(
      [[2, 3], [4, 5], [2, 5]],
      [
        (.parameter("a"), [], [0]), (.parameter("b"), [], [1]),
        (.matmul(transposeA: false, transposeB: false), [0, 1], [2]),
      ])),
  MalformedCase(
    name: "value defined twice", expected: "defined twice",
    graph: graph(
      [[2, 3], [2, 3]], [(.parameter("p"), [], [0]), (.activation(.relu), [0], [1]), (.activation(.tanh), [0], [1])])),
  MalformedCase(
    name: "too few results", expected: "expected 2",
    graph: graph(
      [[4, 2], [4, 2], []],
      [(.parameter("p"), [], [0]), (.parameter("t"), [], [1]), (.lossWithGrad(.mse), [0, 1], [2])])),
  MalformedCase(
    name: "result out of range", expected: "out of range",
    graph: graph([[2, 3]], [(.parameter("p"), [], [0]), (.activation(.relu), [0], [5])])),
  MalformedCase(
    name: "output not defined", expected: "not defined",
    graph: graph([[2, 3], [2, 3]], [(.parameter("p"), [], [0])], outputs: [("y", 1)])),
  MalformedCase(
    name: "output out of range", expected: "not defined",
    graph: graph([[2, 3]], [(.parameter("p"), [], [0])], outputs: [("y", 4)])),
  MalformedCase(
    name: "source without its shape rule (reshape count)", expected: "reshape",
    graph: graph([[2, 3], [4, 2]], [(.parameter("p"), [], [0]), (.reshape, [0], [1])])),
]

@Suite("Verifier")
struct VerifierTests {
  @Test(arguments: malformedCases)
  func rejectsMalformedGraph(_ c: MalformedCase) throws {
    let problems = Verifier.verify(c.graph)
    #expect(!problems.isEmpty)
    #expect(problems.contains { $0.contains(c.expected) }, "\(problems)")
    // The executor refuses it too, rather than running it.
    #expect(throws: RuntimeError.self) {
      _ = try Executable(graph: c.graph, parameters: TensorStore([]), feeds: TensorStore([]))
    }
  }

  @Test func acceptsWellFormedGraph() {
    let g = graph(
      [[2, 3], [3, 4], [2, 4], [4], [2, 4], [2, 4], []],
      [
        (.parameter("a"), [], [0]), (.parameter("b"), [], [1]),
        (.matmul(transposeA: false, transposeB: false), [0, 1], [2]),
        (.parameter("c"), [], [3]), (.addBias, [2, 3], [4]), (.input("t"), [], [5]), (.loss(.mse), [4, 5], [6]),
      ], outputs: [("loss", 6)])
    #expect(Verifier.verify(g) == [])
  }
}
