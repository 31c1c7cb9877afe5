import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

@Suite("Passes and executor")
struct PassesTests {
  /// `stop_gradient` chains (`detach(detach(x))`, e.g. through a `let`) all disappear and
  /// leave a graph that verifies and computes the same values.
  @Test(arguments: 1...3)
  func chainedStopGradientsAreRemoved(depth: Int) throws {
    var b = GraphBuilder()
    var x = b.add(.activation(.tanh), b.param("p", [2, 3]))
    let source = x
    for _ in 0..<depth { x = b.add(.stopGradient, x) }
    let y = b.add(.binary(.multiply), x, b.add(.activation(.sigmoid), x))
    var g = b.g
    g.outputs = [("y", y), ("x", x)]
    let removed = RemoveStopGradients().run(g)
    #expect(Verifier.verify(removed) == [])
    #expect(!removed.instructions.contains { $0.op == .stopGradient })
    #expect(removed.output(named: "x") == source)
    var rng = Rng(seed: 41)
    let values = b.randomValues(&rng)
    let reference = try ReferenceInterpreter.outputs(g, sources: values)
    let out = try runOnRuntime(Pipeline.run(g), values: values)
    for (name, v) in reference { expectClose(out[name], v, rtol: 1e-5, name) }
  }

  /// Outputs pinned to caller memory are written there whatever the plan gave their
  /// value: a constant (a zero gradient), a parameter, a value two outputs share.
  @Test func pinnedOutputsAreAlwaysWritten() throws {
    var b = GraphBuilder()
    let p = b.param("p", [2, 3])
    let t = b.add(.activation(.tanh), p)
    var g = b.g
    let zero = g.add(.constant(0), shape: [2, 3])
    g.outputs = [("zero", zero), ("p", p), ("t", t), ("t again", t), ("t once more", t)]
    var rng = Rng(seed: 42)
    let values = b.randomValues(&rng)
    let pins = ["zero", "p", "t", "t again", "t once more"]
    let out = try runOnRuntime(g, values: values, pin: pins)
    let reference = try ReferenceInterpreter.outputs(g, sources: values)
    for name in pins { expectClose(out[name], reference[name], rtol: 1e-6, name) }
  }

  /// CSE merges repeated subexpressions (the same one_hot in G and D, repeated constants),
  /// Simplify folds the loss seed and chains of scales, DCE drops what no output needs.
  @Test func cleanUpPasses() throws {
    var b = GraphBuilder()
    let labels = b.input("y", [4])
    let w = b.param("w", [4, 3])
    let h1 = b.add(.binary(.multiply), b.add(.oneHot(classes: 3), labels), w)
    let h2 = b.add(.binary(.multiply), b.add(.oneHot(classes: 3), labels), w)
    let s = b.add(.scale(2), b.add(.scale(0.25), b.add(.binary(.add), h1, h2)))
    _ = b.add(.activation(.relu), s)  // dead
    let loss = b.add(.mean, b.add(.unary(.square), s))
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: ["w"])
    let cleaned = Pipeline.run(diff)
    #expect(Verifier.verify(cleaned) == [])
    #expect(cleaned.instructions.filter { $0.op == .oneHot(classes: 3) }.count == 1)
    #expect(!cleaned.instructions.contains { $0.op == .activation(.relu) })
    #expect(!cleaned.instructions.contains { $0.op == .scale(1) })
    // No scale reads another scale.
    let def = cleaned.definingInstructions()
    for inst in cleaned.instructions {
      if case .scale = inst.op, let d = def[inst.operands[0].index], case .scale = cleaned.instructions[d].op {
        Issue.record("a chain of scales is left: \(Printer.print(cleaned))")
      }
    }
    var rng = Rng(seed: 43)
    let values = b.randomValues(&rng, overrides: ["y": [0, 2, 1, 2]])
    let fd = try finiteDifferences(g, loss: loss, wrt: ["w"], values: values)
    let out = try runOnRuntime(cleaned, values: values, pin: ["grad w"])
    expectClose(out["grad w"], fd["w"], rtol: 1e-3, "grad w")
  }
}
