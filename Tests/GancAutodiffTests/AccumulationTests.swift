import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

/// A graph with one or more uses of the parameter `p` (shape [3, 4]), reduced to a loss.
struct AccumulationCase: Sendable, CustomTestStringConvertible {
  var name: String
  var build: @Sendable (inout GraphBuilder) -> ValueID
  var testDescription: String { name }
}

let accumulationCases: [AccumulationCase] = [
  AccumulationCase(name: "p · p") { b in
    let p = b.param("p", [3, 4])
    return b.add(.sum, b.add(.binary(.multiply), b.add(.binary(.multiply), p, p), b.input("W", [3, 4])))
  },
  AccumulationCase(name: "p + p") { b in
    let p = b.param("p", [3, 4])
    return b.add(.sum, b.add(.binary(.multiply), b.add(.binary(.add), p, p), b.input("W", [3, 4])))
  },
  AccumulationCase(name: "three uses of different kinds") { b in
    let p = b.param("p", [3, 4])
    let a = b.add(.sum, b.add(.binary(.multiply), p, b.input("W", [3, 4])))
    let c = b.add(.mean, b.add(.unary(.exp), p))
    let d = b.add(.loss(.mse), b.add(.activation(.tanh), p), b.input("T", [3, 4]))
    return b.add(.binary(.add), b.add(.binary(.add), a, c), d)
  },
  AccumulationCase(name: "p as weight of two matmuls") { b in
    let w = b.param("p", [3, 4])
    let x1 = b.add(.matmul(transposeA: false, transposeB: false), b.input("x1", [2, 3]), w)
    let x2 = b.add(.matmul(transposeA: false, transposeB: false), b.input("x2", [5, 3]), w)
    return b.add(
      .binary(.add), b.add(.loss(.mse), x1, b.input("t1", [2, 4])), b.add(.loss(.l1), x2, b.input("t2", [5, 4])))
  },
  AccumulationCase(name: "p and a reshape of p") { b in
    let p = b.param("p", [3, 4])
    let r = b.add(.reshape, p, shape: [2, 6])
    let a = b.add(.sum, b.add(.binary(.multiply), b.add(.unary(.square), r), b.input("W", [2, 6])))
    return b.add(.binary(.add), a, b.add(.sum, b.add(.activation(.sigmoid), p)))
  },
  AccumulationCase(name: "p sliced twice and concatenated") { b in
    let p = b.param("p", [3, 4])
    let c = b.add(
      .concat(axis: -1), b.add(.slice(axis: -1, start: 1, length: 2), p),
      b.add(.slice(axis: -1, start: 0, length: 3), p))
    return b.add(.sum, b.add(.binary(.multiply), c, b.input("W", [3, 5])))
  },
]

@Suite("Gradient accumulation")
struct AccumulationTests {
  @Test(arguments: accumulationCases)
  func parameterUsedSeveralTimesGetsTheSum(_ c: AccumulationCase) throws {
    var b = GraphBuilder()
    let loss = c.build(&b)
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p"])
    #expect(Verifier.verify(diff) == [])
    var rng = Rng(seed: seed(c.name))
    let values = b.randomValues(&rng)
    let fd = try finiteDifferences(g, loss: loss, wrt: ["p"], values: values)
    let reference = try ReferenceInterpreter.outputs(diff, sources: values)
    expectClose(reference["grad p"], fd["p"], rtol: 1e-6, "reference")
    for graph in [rawRunnable(diff), Pipeline.run(diff)] {
      let out = try runOnRuntime(graph, values: values, pin: ["grad p"])
      expectClose(out["grad p"], fd["p"], rtol: 1e-3, "runtime")
    }
  }

  /// D called on real and fake data: the gradient of D's loss with respect to each of D's
  /// parameters is the sum of the gradients of the two terms, accumulated with an `add`
  /// of the two calls' contributions.
  @Test func discriminatorOnRealAndFake() throws {
    var gan = TinyGAN()
    let loss = gan.discriminatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    // The two terms as losses of their own.
    let lossDef = try #require(g.definingInstructions()[loss.index])
    let (realTerm, fakeTerm) = (g.instructions[lossDef].operands[0], g.instructions[lossDef].operands[1])
    let params = gan.dParameters

    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: params)
    let added = diff.instructions[g.instructions.count...]
    // One accumulation per D parameter (two calls each).
    let dWeightGrads = Set(
      added.filter { if case .matmul(true, false) = $0.op { true } else { false } }.map(\.results[0]))
    let accumulations = added.filter { $0.op == .binary(.add) && $0.operands.allSatisfy(dWeightGrads.contains) }
    #expect(accumulations.count == 2, "each D weight gradient adds the real and fake contributions")

    var rng = Rng(seed: 11)
    let values = gan.b.randomValues(&rng)
    let pins = params.map(TrainingStep.gradientOutput)
    let total = try runOnRuntime(Pipeline.run(diff), values: values, pin: pins)
    var parts: [[String: [Double]]] = []
    for term in [realTerm, fakeTerm] {
      var gt = g
      gt.outputs = [(TrainingStep.lossOutput, term)]
      let dt = try Autodiff.differentiate(gt, loss: term, withRespectTo: params)
      parts.append(try runOnRuntime(Pipeline.run(dt), values: values, pin: pins))
    }
    let fd = try finiteDifferences(g, loss: loss, wrt: params, values: values)
    for p in params {
      let name = TrainingStep.gradientOutput(p)
      let sum = zip(parts[0][name]!, parts[1][name]!).map { $0 + $1 }
      // Same kernels, different order of float additions: ~1e-6 relative.
      expectClose(total[name], sum, rtol: 1e-5, "\(p): total vs sum of the parts")
      expectClose(total[name], fd[p], rtol: 1e-3, "\(p): against finite differences")
      #expect(
        parts[0][name]!.contains { $0 != 0 } && parts[1][name]!.contains { $0 != 0 }, "both calls contribute to \(p)")
    }
  }

  /// Two separate `param "p"` instructions (which CSE would merge, but autodiff runs
  /// first) are one parameter: its gradient sums both.
  @Test func duplicateParameterInstructionsAreOneParameter() throws {
    var g = Graph()
    let p1 = g.add(.parameter("p"), shape: [3, 4])
    let w = g.add(.input("W"), shape: [3, 4])
    let a = g.add(.sum, g.add(.binary(.multiply), g.add(.activation(.tanh), p1), w))
    let p2 = g.add(.parameter("p"), shape: [3, 4])
    let c = g.add(.sum, g.add(.unary(.square), p2))
    let loss = g.add(.binary(.add), a, c)
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p"])
    var rng = Rng(seed: 12)
    let values: [String: [Double]] = [
      "p": (0..<12).map { _ in rng.signed(0.3, 1.5) }, "W": (0..<12).map { _ in rng.signed(0.3, 1.5) },
    ]
    let fd = try finiteDifferences(g, loss: loss, wrt: ["p"], values: values)
    let reference = try ReferenceInterpreter.outputs(diff, sources: values)
    expectClose(reference["grad p"], fd["p"], rtol: 1e-6, "reference")
    let out = try runOnRuntime(Pipeline.run(diff), values: values, pin: ["grad p"])
    expectClose(out["grad p"], fd["p"], rtol: 1e-3, "runtime")
  }
}
