import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

// Every VJP rule against central finite differences of the Double reference interpreter.
//
// Each case applies one op (or a tiny composition) to `parameter` sources with random
// values and reduces the result to a scalar as `sum(result ⊙ W)`, where `W` is a random
// `input`, so every output element carries a different weight and a rule that mixes up
// elements (a transposition, a wrong slice offset) cannot cancel out. The graph is then
// differentiated with respect to every parameter and checked three ways:
//
// 1. The differentiated graph evaluated by the reference interpreter (the VJP rules in
//    exact-ish Double arithmetic) against finite differences, to `1e-6·max(1, |fd|)`:
//    finite-difference error is ~1e-9 here (see `finiteDifferences`), so anything larger
//    is a wrong rule, independent of the Float32 kernels.
// 2. The runtime (Float32) on the raw differentiated graph, on the graph after
//    `Pipeline.run`, and on that graph with the gradients pinned to caller memory (as the
//    step runner does), against the same finite differences, to `rtol·max(1, |fd|)` with
//    `rtol = 1e-3` by default. Justification: Float32 has ε ≈ 6e-8; each gradient element
//    here goes through at most a few dozen roundings (a dot product of ≤ 6 terms, a
//    libm call, a loss's mean), and the inputs are kept where the ops are well
//    conditioned (condition numbers ≲ 20, e.g. 1/p(1−p) ≤ 21 for bce with p ∈ (0.05,
//    0.95)), so the expected error is ~1e-5 relative. 1e-3 leaves two orders of margin
//    and still catches every real rule error, which is O(1) relative (a lost factor,
//    a sign, a wrong element).
// 3. The runtime's forward values (the op's result and the loss) against the reference,
//    to `1e-4·max(1, |ref|)`, the same argument without the backward pass.

/// Where an operand's random values come from; every domain keeps away from the op's
/// singularities and kinks so finite differences are meaningful.
enum Domain: Sendable {
  /// `±[0.3, 1.5]`: away from the kinks of relu, leaky relu and abs at 0.
  case signed
  /// `[0.3, 2]`: for log, sqrt and divisors.
  case positive
  /// `[0.05, 0.95]`: probabilities for bce (well inside its clamp).
  case probability
  /// Integer class labels in `0..<k`.
  case labels(Int)
  /// Operand `i`'s value plus `±[0.2, 1]`: away from l1's kink at `p == t`.
  case awayFrom(Int)
}

struct Operand: Sendable {
  var shape: [Int]
  var domain: Domain = .signed
}

typealias Builder = @Sendable (inout Graph, [ValueID]) -> ValueID

struct VJPCase: Sendable, CustomTestStringConvertible {
  var name: String
  var operands: [Operand]
  var rtol: Double = 1e-3
  var build: Builder

  init(_ name: String, _ operands: [Operand], rtol: Double = 1e-3, _ build: @escaping Builder) {
    self.name = name
    self.operands = operands
    self.rtol = rtol
    self.build = build
  }

  /// A case that applies `op` to the operands in order.
  init(_ name: String, _ op: Op, _ operands: [Operand], shape: [Int]? = nil) {
    self.init(name, operands) { g, x in g.emit(op, x, shape: shape)[0] }
  }

  var testDescription: String { name }
}

func S(_ shape: Int..., domain: Domain = .signed) -> Operand { Operand(shape: shape, domain: domain) }
let scalar = Operand(shape: [])

let vjpCases: [VJPCase] = {
  var cases: [VJPCase] = []

  // matmul: all four transpose combinations (op(A) is 3×4, op(B) is 4×2) …
  for ta in [false, true] {
    for tb in [false, true] {
      cases.append(
        VJPCase(
          "matmul tA=\(ta) tB=\(tb)", .matmul(transposeA: ta, transposeB: tb),
          [Operand(shape: ta ? [4, 3] : [3, 4]), Operand(shape: tb ? [2, 4] : [4, 2])]))
    }
  }
  // … and operands of rank 3, read as matrices whose rows are the leading axes flattened
  // (a dense layer over a [batch, time, features] tensor).
  cases.append(VJPCase("matmul rank-3 A", .matmul(transposeA: false, transposeB: false), [S(2, 3, 4), S(4, 2)]))
  cases.append(VJPCase("matmul rank-3 A, tB", .matmul(transposeA: false, transposeB: true), [S(2, 3, 4), S(2, 4)]))
  cases.append(VJPCase("matmul rank-3 A, tA", .matmul(transposeA: true, transposeB: false), [S(2, 2, 3), S(4, 2)]))
  cases.append(VJPCase("matmul rank-3 B, tB", .matmul(transposeA: false, transposeB: true), [S(3, 4), S(2, 1, 4)]))
  cases.append(VJPCase("matmul rank-3 B", .matmul(transposeA: false, transposeB: false), [S(3, 4), S(2, 2, 2)]))
  cases.append(
    VJPCase("matmul rank-3 A and B, tA", .matmul(transposeA: true, transposeB: false), [S(2, 2, 3), S(2, 2, 2)]))

  cases.append(VJPCase("add_bias", .addBias, [S(3, 4), S(4)]))
  cases.append(VJPCase("add_bias rank 3", .addBias, [S(2, 3, 4), S(4)]))

  for a in [Activation.identity, .relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid] {
    cases.append(VJPCase("activation \(a)", .activation(a), [S(3, 4)]))
  }

  cases.append(VJPCase("neg", .unary(.negate), [S(3, 4)]))
  cases.append(VJPCase("exp", .unary(.exp), [S(3, 4)]))
  cases.append(VJPCase("log", .unary(.log), [S(3, 4, domain: .positive)]))
  cases.append(VJPCase("sqrt", .unary(.sqrt), [S(3, 4, domain: .positive)]))
  cases.append(VJPCase("abs", .unary(.abs), [S(3, 4)]))
  cases.append(VJPCase("square", .unary(.square), [S(3, 4)]))

  for f in [BinaryFunction.add, .subtract, .multiply, .divide] {
    // Divisors are positive, so division stays well conditioned.
    let rhs: Domain = f == .divide ? .positive : .signed
    cases.append(VJPCase("\(f.rawValue) same shape", .binary(f), [S(3, 4), S(3, 4, domain: rhs)]))
    cases.append(VJPCase("\(f.rawValue) scalar rhs []", .binary(f), [S(3, 4), Operand(shape: [], domain: rhs)]))
    cases.append(VJPCase("\(f.rawValue) scalar lhs []", .binary(f), [scalar, S(3, 4, domain: rhs)]))
    cases.append(VJPCase("\(f.rawValue) scalar rhs [1, 1]", .binary(f), [S(2, 3), S(1, 1, domain: rhs)]))
    cases.append(VJPCase("\(f.rawValue) scalar lhs [1]", .binary(f), [S(1), S(2, 3, domain: rhs)]))
    cases.append(VJPCase("\(f.rawValue) both scalar", .binary(f), [scalar, Operand(shape: [1], domain: rhs)]))
  }
  // Constants as operands (Simplify turns the product into a scale).
  cases.append(
    VJPCase("mul by constant", [S(3, 4)]) { g, x in
      g.add(.binary(.multiply), x[0], g.add(.constant(3), shape: [3, 4]))
    })
  cases.append(
    VJPCase("constant minus x", [S(3, 4)]) { g, x in
      g.add(.binary(.subtract), g.add(.constant(1), shape: [3, 4]), x[0])
    })

  cases.append(VJPCase("scale 2.5", .scale(2.5), [S(3, 4)]))
  cases.append(VJPCase("scale -0.75", .scale(-0.75), [S(3, 4)]))
  cases.append(VJPCase("scale chain", [S(3, 4)]) { g, x in g.add(.scale(-0.5), g.add(.scale(3), x[0])) })

  cases.append(VJPCase("concat 2", .concat(axis: -1), [S(3, 2), S(3, 3)]))
  cases.append(VJPCase("concat 3", .concat(axis: -1), [S(2, 1), S(2, 3), S(2, 2)]))
  cases.append(VJPCase("concat rank 3", .concat(axis: -1), [S(2, 2, 1), S(2, 2, 2)]))
  cases.append(VJPCase("concat axis 1", .concat(axis: 1), [S(2, 1, 3), S(2, 2, 3)]))
  cases.append(VJPCase("concat axis 0", .concat(axis: 0), [S(1, 3), S(2, 3)]))

  cases.append(VJPCase("slice middle", .slice(axis: -1, start: 1, length: 2), [S(3, 5)]))
  cases.append(VJPCase("slice whole", .slice(axis: -1, start: 0, length: 4), [S(2, 4)]))
  cases.append(VJPCase("slice rank 3", .slice(axis: -1, start: 2, length: 1), [S(2, 2, 3)]))
  cases.append(VJPCase("slice time axis", .slice(axis: 1, start: 1, length: 2), [S(2, 4, 3)]))
  cases.append(VJPCase("slice batch axis", .slice(axis: 0, start: 0, length: 1), [S(3, 2)]))

  cases.append(VJPCase("pad_slice", .padSlice(axis: -1, start: 1, total: 5), [S(3, 2)]))
  cases.append(VJPCase("pad_slice end", .padSlice(axis: -1, start: 3, total: 5), [S(2, 2)]))
  cases.append(VJPCase("pad_slice time axis", .padSlice(axis: 1, start: 2, total: 5), [S(2, 3, 2)]))

  cases.append(VJPCase("reshape 2x6→3x4", .reshape, [S(2, 6)], shape: [3, 4]))
  cases.append(VJPCase("reshape rank 3→2", .reshape, [S(2, 3, 2)], shape: [6, 2]))
  cases.append(VJPCase("reshape vector→matrix", .reshape, [S(4)], shape: [2, 2]))
  // A reshape of a value that is itself used again: the view must not be clobbered.
  cases.append(
    VJPCase("reshape with second use", [S(2, 6)]) { g, x in
      let r = g.add(.reshape, g.add(.activation(.tanh), x[0]), shape: [3, 4])
      return g.add(.binary(.multiply), r, g.add(.reshape, g.add(.activation(.sigmoid), x[0]), shape: [3, 4]))
    })

  cases.append(VJPCase("sum", .sum, [S(3, 4)]))
  cases.append(VJPCase("mean", .mean, [S(3, 4)]))
  cases.append(VJPCase("sum of scalar", .sum, [scalar]))

  cases.append(VJPCase("broadcast [] → [3, 4]", .broadcast, [scalar], shape: [3, 4]))
  cases.append(VJPCase("broadcast [1] → [2, 3]", .broadcast, [S(1)], shape: [2, 3]))
  cases.append(VJPCase("broadcast [1, 1] → [2, 2]", .broadcast, [S(1, 1)], shape: [2, 2]))
  // Convolutions (NHWC): strides, padding, rectangular kernels, and their transposes.
  let k3s1p1 = ConvGeometry(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
  let k4s2p1 = ConvGeometry(kernel: (4, 4), stride: (2, 2), padding: (1, 1))
  let k1x3s1p0 = ConvGeometry(kernel: (1, 3), stride: (1, 2), padding: (0, 1))
  cases.append(VJPCase("conv k3 s1 p1", .conv(k3s1p1), [S(2, 4, 4, 2), S(3, 3, 2, 3)]))
  cases.append(VJPCase("conv k4 s2 p1", .conv(k4s2p1), [S(1, 6, 6, 2), S(4, 4, 2, 2)]))
  cases.append(VJPCase("conv 1×3 s2 (a 1-D conv)", .conv(k1x3s1p0), [S(2, 1, 7, 2), S(1, 3, 2, 3)]))
  cases.append(
    VJPCase("conv_transpose k4 s2 p1", .convTranspose(k4s2p1), [S(1, 3, 3, 2), S(4, 4, 3, 2)], shape: [1, 6, 6, 3]))
  cases.append(
    VJPCase("conv_transpose k3 s1 p1", .convTranspose(k3s1p1), [S(2, 3, 3, 2), S(3, 3, 1, 2)], shape: [2, 3, 3, 1]))
  cases.append(VJPCase("transpose last two", .transpose(permutation: [0, 2, 1]), [S(2, 3, 4)]))
  cases.append(VJPCase("transpose rank 4", .transpose(permutation: [0, 3, 1, 2]), [S(2, 2, 3, 2)]))
  cases.append(VJPCase("softmax", .softmax, [S(3, 5)]))
  cases.append(VJPCase("softmax rank 3", .softmax, [S(2, 2, 4)]))
  cases.append(VJPCase("sum over axis 0", .reduceAxis(.sum, axis: 0), [S(3, 2, 2)]))
  cases.append(VJPCase("mean over axis 1", .reduceAxis(.mean, axis: 1), [S(2, 4, 3)]))
  cases.append(VJPCase("mean over the last axis", .reduceAxis(.mean, axis: -1), [S(3, 5)]))
  // Random inputs have no ties, so the maximum is differentiable where it is evaluated.
  cases.append(VJPCase("max over axis 1", .reduceAxis(.max, axis: 1), [S(2, 4, 3)]))
  cases.append(VJPCase("max over the last axis", .reduceAxis(.max, axis: -1), [S(3, 5)]))
  cases.append(VJPCase("broadcast along axis 0", .broadcastAxis(axis: 0, length: 3), [S(2, 2)]))
  cases.append(VJPCase("broadcast along axis 1", .broadcastAxis(axis: 1, length: 4), [S(2, 3)]))
  cases.append(VJPCase("broadcast along a new last axis", .broadcastAxis(axis: 2, length: 2), [S(2, 3)]))

  // Losses, differentiated with respect to the prediction and the target.
  cases.append(VJPCase("loss bce_logits", .loss(.bceLogits), [S(4, 2), S(4, 2, domain: .probability)]))
  cases.append(VJPCase("loss bce", .loss(.bce), [S(4, 2, domain: .probability), S(4, 2, domain: .probability)]))
  cases.append(VJPCase("loss mse", .loss(.mse), [S(4, 2), S(4, 2)]))
  cases.append(VJPCase("loss l1", .loss(.l1), [S(4, 2), S(4, 2, domain: .awayFrom(0))]))
  cases.append(VJPCase("loss mse rank 3", .loss(.mse), [S(2, 2, 2), S(2, 2, 2)]))
  cases.append(VJPCase("loss bce_logits rank 1", .loss(.bceLogits), [S(5), S(5, domain: .probability)]))

  // stop_gradient: the derivative holds the detached value fixed.
  cases.append(VJPCase("stop_gradient", .stopGradient, [S(3, 4)]))
  cases.append(
    VJPCase("stop_gradient(x) · x", [S(3, 4)]) { g, x in
      g.add(.binary(.multiply), g.add(.stopGradient, x[0]), x[0])
    })
  cases.append(
    VJPCase("stop_gradient(x) + y", [S(3, 4), S(3, 4)]) { g, x in
      g.add(.binary(.add), g.add(.stopGradient, x[0]), x[1])
    })

  cases.append(
    VJPCase("stop_gradient twice", [S(3, 4)]) { g, x in
      g.add(.binary(.multiply), g.add(.stopGradient, g.add(.stopGradient, x[0])), g.add(.activation(.tanh), x[0]))
    })

  // one_hot: labels (trained here, to check they get a zero gradient) times a tensor.
  cases.append(
    VJPCase("one_hot · x", [S(4, domain: .labels(3)), S(4, 3)]) { g, x in
      g.add(.binary(.multiply), g.add(.oneHot(classes: 3), x[0]), x[1])
    })

  // Small compositions, so rules meet each other and the passes have something to do.
  cases.append(
    VJPCase("dense tanh", [S(3, 4), S(4, 2), S(2)]) { g, x in
      g.add(.activation(.tanh), g.add(.addBias, g.add(.matmul(transposeA: false, transposeB: false), x[0], x[1]), x[2]))
    })
  cases.append(
    VJPCase("mean of squares over slices", [S(3, 4)]) { g, x in
      let a = g.add(.slice(axis: -1, start: 0, length: 2), x[0])
      let b = g.add(.slice(axis: -1, start: 2, length: 2), x[0])
      return g.add(.mean, g.add(.unary(.square), g.add(.binary(.subtract), a, b)))
    })
  cases.append(
    VJPCase("sigmoid into bce", [S(4, 2), S(4, 2, domain: .probability)]) { g, x in
      g.add(.loss(.bce), g.add(.activation(.sigmoid), x[0]), x[1])
    })
  return cases
}()

/// A stable seed from a case's name (Swift's `hashValue` is randomised per process).
func seed(_ name: String) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
  return h
}

func randomValues(_ operands: [Operand], _ rng: inout Rng) -> [[Double]] {
  var values: [[Double]] = []
  for o in operands {
    let n = o.shape.reduce(1, *)
    switch o.domain {
    case .signed: values.append((0..<n).map { _ in rng.signed(0.3, 1.5) })
    case .positive: values.append((0..<n).map { _ in rng.uniform(0.3, 2) })
    case .probability: values.append((0..<n).map { _ in rng.uniform(0.05, 0.95) })
    case .labels(let k): values.append((0..<n).map { _ in Double(rng.int(0..<k)) })
    case .awayFrom(let i): values.append(values[i].map { $0 + rng.signed(0.2, 1) })
    }
  }
  return values
}

@Suite("VJP rules against finite differences")
struct VJPTests {
  @Test(arguments: vjpCases)
  func ruleMatchesFiniteDifferences(_ c: VJPCase) throws {
    var rng = Rng(seed: seed(c.name))
    var g = Graph()
    let names = c.operands.indices.map { "p\($0)" }
    let ids = zip(names, c.operands).map { n, o in g.add(.parameter(n), shape: o.shape) }
    let r = c.build(&g, ids)
    let w = g.add(.input("W"), shape: g.shape(of: r))
    let loss = g.add(.sum, g.add(.binary(.multiply), r, w))
    g.outputs = [(TrainingStep.lossOutput, loss), ("result", r)]
    #expect(Verifier.verify(g) == [])

    var values: [String: [Double]] = [:]
    for (n, v) in zip(names, randomValues(c.operands, &rng)) { values[n] = v }
    values["W"] = (0..<g.elementCount(of: r)).map { _ in rng.signed(0.5, 1.5) }

    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: names)
    #expect(Verifier.verify(diff) == [])
    for n in names {
      let out = try #require(diff.output(named: TrainingStep.gradientOutput(n)))
      #expect(
        diff.shape(of: out) == g.shape(of: ids[names.firstIndex(of: n)!]), "gradient of \(n) has the parameter's shape")
    }

    let fd = try finiteDifferences(g, loss: loss, wrt: names, values: values)
    let reference = try ReferenceInterpreter.outputs(diff, sources: values)
    for n in names {
      expectClose(reference[TrainingStep.gradientOutput(n)], fd[n], rtol: 1e-6, "reference VJP of \(n)")
    }

    let optimised = Pipeline.run(diff)
    #expect(Verifier.verify(optimised) == [])
    let gradients = names.map(TrainingStep.gradientOutput)
    let variants: [(String, Graph, [String])] = [
      ("raw", rawRunnable(diff), []),
      ("optimised", optimised, []),
      ("optimised, gradients pinned", optimised, gradients),
    ]
    var runs: [[String: [Double]]] = []
    for (label, graph, pin) in variants {
      let out = try runOnRuntime(graph, values: values, pin: pin)
      expectClose(out[TrainingStep.lossOutput], reference[TrainingStep.lossOutput], rtol: 1e-4, "\(label): loss")
      expectClose(out["result"], reference["result"], rtol: 1e-4, "\(label): forward result")
      for n in names {
        expectClose(out[TrainingStep.gradientOutput(n)], fd[n], rtol: c.rtol, "\(label): gradient of \(n)")
      }
      runs.append(out)
    }
    // The passes must not change the gradients: same kernels, so at most a few ulps from
    // a folded chain of scales (c·c′ rounded once instead of twice).
    for n in gradients {
      expectClose(runs[1][n], runs[0][n], rtol: 1e-5, "optimised vs raw: \(n)")
      expectClose(runs[2][n], runs[1][n], rtol: 0, "pinned vs not: \(n)")
    }
  }

  /// Backward and fused ops have no derivative; differentiating through one is an error,
  /// not a crash or a silently wrong gradient.
  @Test(arguments: [
    Op.sumRows, .activationGrad(.tanh), .unaryGrad(.exp), .lossGrad(.mse), .dense(.relu),
  ])
  func backwardOpsAreNotDifferentiable(_ op: Op) throws {
    var g = Graph()
    let p = g.add(.parameter("p"), shape: [3, 4])
    let q = g.add(.parameter("q"), shape: [3, 4])
    let y: ValueID
    switch op {
    case .sumRows: y = g.add(op, p)
    case .activationGrad, .lossGrad: y = g.add(op, p, q)
    case .unaryGrad: y = g.add(op, p, q, q)
    default: y = g.add(op, p, g.add(.parameter("w"), shape: [4, 2]))
    }
    let loss = g.add(.sum, y)
    #expect(throws: AutodiffError.self) { try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p"]) }
  }

  /// A training step is differentiated with respect to its parameters, from its "loss"
  /// output; a step without one is an error.
  @Test func differentiatesATrainingStep() throws {
    var gan = TinyGAN()
    let loss = gan.generatorLoss()
    var g = gan.b.g
    g.outputs = [(TrainingStep.lossOutput, loss)]
    let adam = AdamConfig(learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8)
    let step = TrainingStep(
      name: "g", lossName: "g_loss", networks: ["G"], parameters: gan.gParameters, graph: g, repeatCount: 1,
      optimizer: adam)
    let diff = try Autodiff.differentiate(step)
    #expect(
      diff.graph.outputs.map(\.name) == [TrainingStep.lossOutput] + gan.gParameters.map(TrainingStep.gradientOutput))
    #expect(Verifier.verify(Pipeline.run(diff).graph) == [])

    var noLoss = step
    noLoss.graph.outputs = []
    #expect(throws: AutodiffError.self) { try Autodiff.differentiate(noLoss) }
  }

  @Test func unknownParameterIsAnError() throws {
    var g = Graph()
    let p = g.add(.parameter("p"), shape: [2])
    let loss = g.add(.sum, p)
    #expect(throws: AutodiffError.self) { try Autodiff.differentiate(g, loss: loss, withRespectTo: ["p", "nope"]) }
  }
}
