import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

// Fusion on small MLPs after differentiation: the fused ops appear where their pattern
// occurs, the graph verifies, and it computes what the unfused graph computes.
//
// Tolerance for fused vs unfused: the fused kernels run the same float operations as the
// sequence they replace (see `Kernels`), and the passes change only the order in which
// independent values are computed, so results agree to the last bit in practice; the
// bound `1e-5·max(1, |x|)` allows a few ulps of reordering (e.g. a BLAS call that picks
// a different blocking) without letting a real difference through — a wrong fusion
// (a dropped bias, the wrong activation, a misplaced operand) changes results at O(1).

struct MLPCase: Sendable, CustomTestStringConvertible {
  var activation: Activation
  var bias: Bool
  var loss: LossFunction
  var layers: Int

  var testDescription: String { "\(layers) layers, \(activation), bias \(bias), \(loss.rawValue)" }

  /// The final layer has a sigmoid for `bce` (which needs probabilities) and no
  /// activation otherwise.
  var finalActivation: Activation? { loss == .bce ? .sigmoid : nil }
}

let mlpCases: [MLPCase] = {
  var cases: [MLPCase] = []
  var i = 0
  for a in [Activation.identity, .relu, .leakyRelu(slope: 0.1), .tanh, .sigmoid] {
    for bias in [true, false] {
      for loss in [LossFunction.bceLogits, .bce, .mse, .l1] {
        cases.append(MLPCase(activation: a, bias: bias, loss: loss, layers: 2 + i % 2))
        i += 1
      }
    }
  }
  return cases
}()

/// A random MLP for `c` with its loss as output, differentiated w.r.t. all its weights.
func buildMLP(_ c: MLPCase, rng: inout Rng) throws -> (
  forward: Graph, diff: Graph, builder: GraphBuilder, values: [String: [Double]]
) {
  var b = GraphBuilder()
  var h = b.input("x", [4, rng.int(2..<5)])
  for l in 0..<c.layers {
    let last = l == c.layers - 1
    h = b.dense(
      h, "net.dense_\(l)", units: last ? rng.int(1..<3) : rng.int(2..<6), bias: c.bias,
      act: last ? c.finalActivation : c.activation)
  }
  let t = b.input("t", b.g.shape(of: h))
  let loss = b.add(.loss(c.loss), h, t)
  var g = b.g
  g.outputs = [(TrainingStep.lossOutput, loss)]
  let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: b.parameterNames)
  let n = g.elementCount(of: t)
  let targets: [Double] =
    switch c.loss {
    case .bce, .bceLogits: (0..<n).map { _ in rng.uniform(0.05, 0.95) }
    case .mse, .l1: (0..<n).map { _ in rng.signed(0.3, 1.5) }
    }
  return (g, diff, b, b.randomValues(&rng, overrides: ["t": targets]))
}

func isDense(_ op: Op) -> Bool { if case .dense = op { true } else { false } }
func isActGradSumRows(_ op: Op) -> Bool { if case .activationGradSumRows = op { true } else { false } }
func isActGrad(_ op: Op) -> Bool { if case .activationGrad = op { true } else { false } }
func isActivation(_ op: Op) -> Bool { if case .activation = op { true } else { false } }
func isLossWithGrad(_ op: Op) -> Bool { if case .lossWithGrad = op { true } else { false } }
func isMatmul(_ op: Op) -> Bool { if case .matmul = op { true } else { false } }

/// Checks `fused` against `unfused` on the runtime, output by output.
func expectSameResults(
  _ fused: Graph, _ unfused: Graph, values: [String: [Double]], pin: [String] = [], _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let a = try runOnRuntime(fused, values: values, pin: pin)
  let b = try runOnRuntime(unfused, values: values, pin: pin)
  #expect(Set(a.keys) == Set(b.keys), sourceLocation: sourceLocation)
  for (name, v) in b { expectClose(a[name], v, rtol: 1e-5, "\(what): \(name)", sourceLocation: sourceLocation) }
}

@Suite("Fusion")
struct FusionTests {
  @Test(arguments: mlpCases)
  func mlpFusesAndKeepsItsResults(_ c: MLPCase) throws {
    var rng = Rng(seed: seed(c.testDescription))
    let (_, diff, b, values) = try buildMLP(c, rng: &rng)
    let fused = Pipeline.run(diff)
    let unfused = Pipeline.run(diff, passes: unfusedPasses)
    #expect(Verifier.verify(fused) == [], "fused graph verifies")
    #expect(Verifier.verify(unfused) == [])

    // (a) The fused ops, counted per layer.
    let layers = (0..<c.layers).map { l in (act: l == c.layers - 1 ? c.finalActivation : c.activation, bias: c.bias) }
    let o = fused.instructions.map(\.op)
    #expect(o.filter(isDense).count == layers.filter { $0.bias || $0.act != nil }.count, "dense[act] per fusable layer")
    #expect(
      o.filter(isActGradSumRows).count == layers.filter { $0.bias && $0.act != nil }.count,
      "act_grad+sum_rows per layer with both")
    #expect(
      o.filter(isActGrad).count == layers.filter { !$0.bias && $0.act != nil }.count, "unfused act_grad without a bias")
    #expect(
      o.filter { $0 == .sumRows }.count == layers.filter { $0.bias && $0.act == nil }.count,
      "sum_rows left only without an activation")
    #expect(o.filter(isLossWithGrad).count == 1, "loss+grad")
    #expect(!o.contains(.loss(c.loss)) && !o.contains(.lossGrad(c.loss)))
    #expect(!o.contains(.addBias) && !o.contains(where: isActivation), "no forward add_bias or activation left")
    for inst in fused.instructions {
      if case .dense(let a) = inst.op {
        #expect(inst.operands.count == (c.bias ? 3 : 2))
        #expect(a == c.activation || a == c.finalActivation || (a == .identity && c.bias))
      }
    }
    // The unfused pipeline really is unfused.
    #expect(!unfused.instructions.contains { isDense($0.op) || isActGradSumRows($0.op) || isLossWithGrad($0.op) })

    // (c) Same loss and gradients as the unfused and the raw graphs, pinned or not.
    let gradients = b.parameterNames.map(TrainingStep.gradientOutput)
    try expectSameResults(fused, unfused, values: values, "fused vs unfused")
    try expectSameResults(fused, rawRunnable(diff), values: values, pin: gradients, "fused vs raw, pinned")
    // And the values are right: the reference interpreter on the fused graph, and on the
    // original, agree with the runtime to Float32 accuracy (see VJPTests for 1e-3).
    let reference = try ReferenceInterpreter.outputs(diff, sources: values)
    let referenceFused = try ReferenceInterpreter.outputs(fused, sources: values)
    let out = try runOnRuntime(fused, values: values)
    for (name, v) in reference {
      expectClose(referenceFused[name], v, rtol: 1e-9, "reference, fused vs original: \(name)")
      expectClose(out[name], v, rtol: 1e-3, "runtime vs reference: \(name)")
    }
  }

  /// The GAN steps: the discriminator's step fuses all of D's layers (both calls) and the
  /// two losses with their gradients.
  @Test func ganStepsFuse() throws {
    var gan = TinyGAN()
    let loss = gan.discriminatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: gan.dParameters)
    let fused = Pipeline.run(diff)
    #expect(Verifier.verify(fused) == [])
    let o = fused.instructions.map(\.op)
    // G's two layers and D's two layers twice.
    #expect(o.filter(isDense).count == 6)
    #expect(o.filter(isActGradSumRows).count == 2, "D's first layer, once per call")
    #expect(o.filter(isLossWithGrad).count == 2)
    var rng = Rng(seed: 21)
    let values = gan.b.randomValues(&rng)
    try expectSameResults(
      fused, Pipeline.run(diff, passes: unfusedPasses), values: values,
      pin: gan.dParameters.map(TrainingStep.gradientOutput), "discriminator step")
  }

  /// Dense layers over a rank-3 input ([batch, time, features]) fuse like rank-2 ones,
  /// and their gradients (rows are the leading axes flattened) are right.
  @Test func rank3DenseLayers() throws {
    var b = GraphBuilder()
    let x = b.input("x", [2, 3, 4])
    let h = b.dense(x, "net.dense_0", units: 5, act: .tanh)
    let y = b.dense(h, "net.dense_1", units: 2)
    let loss = b.add(.loss(.mse), y, b.input("t", [2, 3, 2]))
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: b.parameterNames)
    let fused = Pipeline.run(diff)
    #expect(Verifier.verify(fused) == [])
    let o = fused.instructions.map(\.op)
    #expect(o.filter(isDense).count == 2)
    #expect(o.filter(isActGradSumRows).count == 1)
    #expect(o.filter(isLossWithGrad).count == 1)
    var rng = Rng(seed: 22)
    let values = b.randomValues(&rng)
    let fd = try finiteDifferences(g, loss: loss, wrt: b.parameterNames, values: values)
    let out = try runOnRuntime(fused, values: values, pin: b.parameterNames.map(TrainingStep.gradientOutput))
    for p in b.parameterNames { expectClose(out[TrainingStep.gradientOutput(p)], fd[p], rtol: 1e-3, p) }
    try expectSameResults(fused, rawRunnable(diff), values: values, "rank 3")
  }

  /// Graphs where a pattern is broken: fusion must leave it alone (and the result must
  /// still be right).
  struct NoFusionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var build: @Sendable (inout GraphBuilder) -> (loss: ValueID, extraOutputs: [(String, ValueID)])
    /// What the fused graph must (not) contain.
    var check: @Sendable (Graph) -> Void
    var testDescription: String { name }
  }

  static let noFusionCases: [NoFusionCase] = [
    NoFusionCase(name: "matmul result used twice") { b in
      let x = b.input("x", [4, 3])
      let h = b.add(.matmul(transposeA: false, transposeB: false), x, b.param("w", [3, 2]))
      let y = b.add(.activation(.relu), b.add(.addBias, h, b.param("b", [2])))
      let loss = b.add(.binary(.add), b.add(.loss(.mse), y, b.input("t", [4, 2])), b.add(.mean, h))
      return (loss, [])
    } check: { g in
      #expect(!g.instructions.contains { isDense($0.op) })
      #expect(g.instructions.contains { $0.op == .matmul(transposeA: false, transposeB: false) })
      #expect(g.instructions.contains { $0.op == .addBias })
      #expect(g.instructions.contains { $0.op == .activation(.relu) })
    },
    NoFusionCase(name: "add_bias result used twice") { b in
      let x = b.input("x", [4, 3])
      let z = b.add(
        .addBias, b.add(.matmul(transposeA: false, transposeB: false), x, b.param("w", [3, 2])), b.param("b", [2]))
      let y = b.add(.activation(.tanh), z)
      let loss = b.add(.binary(.add), b.add(.loss(.mse), y, b.input("t", [4, 2])), b.add(.sum, z))
      return (loss, [])
    } check: { g in
      // matmul + add_bias still fuse; the activation stays separate.
      #expect(g.instructions.filter { $0.op == .dense(.identity) && $0.operands.count == 3 }.count == 1)
      #expect(g.instructions.contains { $0.op == .activation(.tanh) })
      #expect(!g.instructions.contains { $0.op == .dense(.tanh) })
    },
    NoFusionCase(name: "matmul result is an output") { b in
      let x = b.input("x", [4, 3])
      let h = b.add(.matmul(transposeA: false, transposeB: false), x, b.param("w", [3, 2]))
      let y = b.add(.activation(.sigmoid), h)
      return (b.add(.loss(.bce), y, b.input("t", [4, 2])), [("h", h)])
    } check: { g in
      #expect(!g.instructions.contains { isDense($0.op) })
    },
    NoFusionCase(name: "transposed matmul") { b in
      let x = b.input("x", [3, 4])
      let h = b.add(.matmul(transposeA: true, transposeB: false), x, b.param("w", [3, 2]))
      let y = b.add(.activation(.tanh), b.add(.addBias, h, b.param("b", [2])))
      return (b.add(.loss(.mse), y, b.input("t", [4, 2])), [])
    } check: { g in
      #expect(!g.instructions.contains { isDense($0.op) })
    },
    NoFusionCase(name: "activation without bias: no act_grad+sum_rows") { b in
      let x = b.input("x", [4, 3])
      let y = b.add(.activation(.tanh), b.add(.matmul(transposeA: false, transposeB: false), x, b.param("w", [3, 2])))
      return (b.add(.loss(.l1), y, b.input("t", [4, 2])), [])
    } check: { g in
      #expect(g.instructions.contains { $0.op == .dense(.tanh) && $0.operands.count == 2 })
      #expect(!g.instructions.contains { isActGradSumRows($0.op) })
      #expect(g.instructions.contains { $0.op == .activationGrad(.tanh) })
    },
    NoFusionCase(name: "loss whose prediction needs no gradient") { b in
      // Only the target is trained, and bce_logits's target gradient (−x/n) needs no
      // loss_grad: the loss has no partner to fuse with. (For mse and l1 the target
      // gradient is −loss_grad, which does fuse.)
      let p = b.add(.activation(.tanh), b.input("x", [4, 2]))
      let t = b.add(.activation(.sigmoid), b.param("t", [4, 2]))
      return (b.add(.loss(.bceLogits), p, t), [])
    } check: { g in
      #expect(g.instructions.contains { $0.op == .loss(.bceLogits) })
      #expect(!g.instructions.contains { isLossWithGrad($0.op) })
    },
    NoFusionCase(name: "mse with only the target trained still fuses") { b in
      let p = b.add(.activation(.tanh), b.input("x", [4, 2]))
      let t = b.add(.activation(.sigmoid), b.param("t", [4, 2]))
      return (b.add(.loss(.mse), p, t), [])
    } check: { g in
      #expect(g.instructions.contains { $0.op == .lossWithGrad(.mse) })
    },
  ]

  @Test(arguments: noFusionCases)
  func patternWithAnotherUseIsNotFused(_ c: NoFusionCase) throws {
    var b = GraphBuilder()
    let (loss, extra) = c.build(&b)
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)] + extra
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: b.parameterNames)
    let fused = Pipeline.run(diff)
    #expect(Verifier.verify(fused) == [])
    c.check(fused)
    var rng = Rng(seed: seed(c.name))
    let values = b.randomValues(&rng)
    try expectSameResults(
      fused, rawRunnable(diff), values: values, pin: b.parameterNames.map(TrainingStep.gradientOutput), c.name)
    let fd = try finiteDifferences(g, loss: loss, wrt: b.parameterNames, values: values)
    let out = try runOnRuntime(fused, values: values)
    for p in b.parameterNames { expectClose(out[TrainingStep.gradientOutput(p)], fd[p], rtol: 1e-3, p) }
  }
}
