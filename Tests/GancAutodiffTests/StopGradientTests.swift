import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

/// The forward values reachable from `roots` through any op (including stop_gradient).
func downstream(of roots: [ValueID], in g: Graph) -> Set<ValueID> {
  var reached = Set(roots)
  for inst in g.instructions where inst.operands.contains(where: reached.contains) {
    reached.formUnion(inst.results)
  }
  return reached
}

/// The instructions autodiff appended after the `forwardCount` forward ones.
func backward(_ diff: Graph, after forwardCount: Int) -> ArraySlice<Instruction> {
  diff.instructions[forwardCount...]
}

@Suite("stop_gradient and untrained parameters")
struct StopGradientTests {
  /// A loss that reaches `p` only through stop_gradient: the gradient is a zero constant
  /// and autodiff walks none of the detached path.
  @Test func detachedOnlyPathGivesZeroAndNoBackward() throws {
    var b = GraphBuilder()
    let p = b.param("p", [3, 4])
    let w = b.input("W", [3, 4])
    let detached = b.add(.activation(.tanh), b.add(.stopGradient, b.add(.unary(.exp), p)))
    let loss = b.add(.sum, b.add(.binary(.multiply), detached, w))
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p"])

    let added = backward(diff, after: g.instructions.count)
    #expect(added.map(\.op) == [.constant(0)], "only the zero gradient is emitted")
    let grad = try #require(diff.output(named: TrainingStep.gradientOutput("p")))
    #expect(added.first?.results == [grad])

    var rng = Rng(seed: 1)
    let values = b.randomValues(&rng)
    for pin in [[], [TrainingStep.gradientOutput("p")]] {
      let out = try runOnRuntime(Pipeline.run(diff), values: values, pin: pin)
      #expect(out[TrainingStep.gradientOutput("p")] == Array(repeating: 0, count: 12), "pinned: \(pin)")
    }
  }

  /// `sum(detach(f(p))·W) + sum(q·V)`: q gets its gradient, p a zero, and no backward
  /// instruction reads anything on p's detached path.
  @Test func detachedBranchNextToATrainedOne() throws {
    var b = GraphBuilder()
    let p = b.param("p", [3, 4])
    let q = b.param("q", [3, 4])
    let w = b.input("W", [3, 4])
    let v = b.input("V", [3, 4])
    let detachedTerm = b.add(.sum, b.add(.binary(.multiply), b.add(.stopGradient, b.add(.unary(.square), p)), w))
    let trainedTerm = b.add(.sum, b.add(.binary(.multiply), b.add(.activation(.sigmoid), q), v))
    let loss = b.add(.binary(.add), detachedTerm, trainedTerm)
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p", "q"])
    #expect(Verifier.verify(diff) == [])

    let detachedPath = downstream(of: [p], in: g).subtracting([loss])
    for inst in backward(diff, after: g.instructions.count) {
      #expect(!inst.operands.contains(where: detachedPath.contains), "\(inst.op.mnemonic) reads the detached path")
    }
    let gradP = try #require(diff.output(named: TrainingStep.gradientOutput("p")))
    let def = try #require(diff.definingInstructions()[gradP.index])
    #expect(diff.instructions[def].op == .constant(0))

    var rng = Rng(seed: 2)
    let values = b.randomValues(&rng)
    let fd = try finiteDifferences(g, loss: loss, wrt: ["p", "q"], values: values)
    #expect(fd["p"]!.allSatisfy { $0 == 0 })
    let out = try runOnRuntime(Pipeline.run(diff), values: values, pin: ["grad p", "grad q"])
    expectClose(out["grad p"], fd["p"], rtol: 1e-3, "grad p")
    expectClose(out["grad q"], fd["q"], rtol: 1e-3, "grad q")
  }

  /// The generator's step of a GAN differentiates through D (to reach G) but must not
  /// compute D's weight or bias gradients.
  @Test func generatorStepComputesNoDiscriminatorGradients() throws {
    var gan = TinyGAN()
    let loss = gan.generatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: gan.gParameters)
    let added = Array(backward(diff, after: g.instructions.count))

    // A weight gradient is `matmul.tA(layer input, dy)`; D's layers read `fake` and D's
    // hidden activation (and the same for the real batch).
    let dWeights = Set(gan.dParameters.compactMap { gan.b.source($0) })
    let dLayerInputs = Set(
      g.instructions.compactMap { inst -> ValueID? in
        guard case .matmul = inst.op, dWeights.contains(inst.operands[1]) else { return nil }
        return inst.operands[0]
      })
    #expect(dLayerInputs.count == 4)
    let dWeightGradients = added.filter {
      if case .matmul(true, _) = $0.op { return dLayerInputs.contains($0.operands[0]) }
      return false
    }
    #expect(dWeightGradients.isEmpty, "matmuls computing D's weight gradients: \(dWeightGradients.map(\.op.mnemonic))")
    // Two weight gradients (G's layers) and three input gradients (through D's two layers
    // and G's second layer; G's first layer reads the input z, which needs none).
    #expect(added.filter { if case .matmul(true, false) = $0.op { true } else { false } }.count == 2)
    #expect(added.filter { if case .matmul(false, true) = $0.op { true } else { false } }.count == 3)
    #expect(added.filter { $0.op == .sumRows }.count == 2, "bias gradients for G's two layers only")

    let optimised = Pipeline.run(diff)
    #expect(Verifier.verify(optimised) == [])
    #expect(count(optimised) { if case .activationGradSumRows = $0 { true } else { false } } == 2)

    var rng = Rng(seed: 3)
    let values = gan.b.randomValues(&rng)
    let fd = try finiteDifferences(g, loss: loss, wrt: gan.gParameters, values: values)
    let pins = gan.gParameters.map(TrainingStep.gradientOutput)
    let out = try runOnRuntime(optimised, values: values, pin: pins)
    for p in gan.gParameters { expectClose(out[TrainingStep.gradientOutput(p)], fd[p], rtol: 1e-3, p) }
    #expect(out.keys.filter { $0.hasPrefix("grad D.") }.isEmpty)
  }

  /// The discriminator's step with `detach(G(z))`: D's gradients only, and no backward
  /// instruction touches the generator.
  @Test(arguments: [false, true])
  func discriminatorStepDoesNotWalkTheGenerator(detach: Bool) throws {
    var gan = TinyGAN(detachFake: detach)
    let loss = gan.discriminatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: gan.dParameters)
    let added = Array(backward(diff, after: g.instructions.count))

    // Values strictly inside the generator: everything computed from z before `fake`.
    let generatorInternals = downstream(of: [gan.z], in: g).subtracting(downstream(of: [gan.fake], in: g))
      .union(gan.gParameters.compactMap { gan.b.source($0) })
    for inst in added {
      #expect(!inst.operands.contains(where: generatorInternals.contains), "\(inst.op.mnemonic) reads the generator")
      #expect(inst.op != .activationGrad(.tanh) && inst.op != .activationGrad(.relu), "backward through G")
    }
    // D's two layers, each called twice: four weight-gradient products, two input-gradient
    // products (into D's first layer, per call), no more.
    #expect(added.filter { if case .matmul(true, false) = $0.op { true } else { false } }.count == 4)
    #expect(added.filter { if case .matmul(false, true) = $0.op { true } else { false } }.count == 2)

    var rng = Rng(seed: 4)
    let values = gan.b.randomValues(&rng)
    let fd = try finiteDifferences(g, loss: loss, wrt: gan.dParameters, values: values)
    let pins = gan.dParameters.map(TrainingStep.gradientOutput)
    for graph in [rawRunnable(diff), Pipeline.run(diff)] {
      let out = try runOnRuntime(graph, values: values, pin: pins)
      for p in gan.dParameters { expectClose(out[TrainingStep.gradientOutput(p)], fd[p], rtol: 1e-3, p) }
    }
  }

  /// A parameter that the step does not train but that the loss does depend on (G's
  /// weights in D's step) gets no gradient output and no computation; asking for it by
  /// name when it is reached only through detach gives zeros.
  @Test func detachedGeneratorGradientsAreZero() throws {
    var gan = TinyGAN(detachFake: true)
    let loss = gan.discriminatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let all = gan.b.parameterNames
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: all)
    let onlyD = try Autodiff.differentiate(g, loss: loss, withRespectTo: gan.dParameters)
    // The G gradients cost one zero constant each, nothing more.
    #expect(diff.instructions.count == onlyD.instructions.count + gan.gParameters.count)
    var rng = Rng(seed: 5)
    let values = gan.b.randomValues(&rng)
    let out = try runOnRuntime(Pipeline.run(diff), values: values, pin: all.map(TrainingStep.gradientOutput))
    for p in gan.gParameters {
      let grad = try #require(out[TrainingStep.gradientOutput(p)])
      #expect(grad.allSatisfy { $0 == 0 }, "\(p)")
    }
  }
}
