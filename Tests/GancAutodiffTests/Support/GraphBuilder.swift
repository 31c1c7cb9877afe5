import GancAutodiff
import GancIR
import GancPasses

/// Builds test graphs the way lowering does: each source (parameter or input) is one
/// instruction shared by all its uses, and dense layers are `matmul → add_bias →
/// activation`.
struct GraphBuilder {
  var g = Graph()
  private var sourceValues: [String: ValueID] = [:]
  /// Every source's shape, in order of creation.
  private(set) var sources: [(name: String, shape: [Int], isParameter: Bool)] = []

  mutating func param(_ name: String, _ shape: [Int]) -> ValueID {
    if let v = sourceValues[name] { return v }
    let v = g.add(.parameter(name), shape: shape)
    sourceValues[name] = v
    sources.append((name, shape, true))
    return v
  }

  mutating func input(_ name: String, _ shape: [Int]) -> ValueID {
    if let v = sourceValues[name] { return v }
    let v = g.add(.input(name), shape: shape)
    sourceValues[name] = v
    sources.append((name, shape, false))
    return v
  }

  /// `act(x · W + b)` with parameters `NAME.weight` and `NAME.bias`; nil `act` emits no
  /// activation instruction (a final linear layer).
  mutating func dense(_ x: ValueID, _ name: String, units: Int, bias: Bool = true, act: Activation? = nil) -> ValueID {
    let w = param(name + ".weight", [g.shape(of: x).last!, units])
    var y = g.add(.matmul(transposeA: false, transposeB: false), x, w)
    if bias { y = g.add(.addBias, y, param(name + ".bias", [units])) }
    if let act { y = g.add(.activation(act), y) }
    return y
  }

  mutating func add(_ op: Op, _ operands: ValueID..., shape: [Int]? = nil) -> ValueID {
    g.emit(op, operands, shape: shape)[0]
  }

  mutating func constant(_ c: Float, _ shape: [Int]) -> ValueID { g.add(.constant(c), shape: shape) }

  /// The value of source `name`, if it has been made.
  func source(_ name: String) -> ValueID? { sourceValues[name] }

  var parameterNames: [String] { sources.filter(\.isParameter).map(\.name) }

  /// Random values for every source: weights `±[0.1, 0.8]` (small, so tanh and sigmoid do
  /// not saturate), other sources `±[0.3, 1.5]`, with `overrides` taking precedence.
  func randomValues(_ rng: inout Rng, overrides: [String: [Double]] = [:]) -> [String: [Double]] {
    var values: [String: [Double]] = [:]
    for s in sources {
      let n = s.shape.reduce(1, *)
      if let v = overrides[s.name] {
        values[s.name] = v
      } else if s.isParameter {
        values[s.name] = (0..<n).map { _ in rng.signed(0.1, 0.8) }
      } else {
        values[s.name] = (0..<n).map { _ in rng.signed(0.3, 1.5) }
      }
    }
    return values
  }
}

/// A tiny GAN in the shape ganc lowers one to: a generator `G` (z → relu → tanh) and a
/// discriminator `D` (leaky relu → logits), with D called on real data and on G's output.
struct TinyGAN {
  var b = GraphBuilder()
  var z: ValueID
  var real: ValueID
  var fake: ValueID
  /// D's logits for the real and the generated batch.
  var dLogitsReal: ValueID
  var dLogitsFake: ValueID
  var gParameters: [String] { b.parameterNames.filter { $0.hasPrefix("G.") } }
  var dParameters: [String] { b.parameterNames.filter { $0.hasPrefix("D.") } }

  /// `detachFake` puts `stop_gradient` between G and D, as a discriminator step written
  /// with `detach(G(z))` does.
  init(detachFake: Bool = false) {
    z = b.input("z", [4, 3])
    real = b.input("x", [4, 2])
    let h = b.dense(z, "G.dense_0", units: 5, act: .relu)
    fake = b.dense(h, "G.dense_1", units: 2, act: .tanh)
    func D(_ x: ValueID, _ b: inout GraphBuilder) -> ValueID {
      let h = b.dense(x, "D.dense_0", units: 4, act: .leakyRelu(slope: 0.2))
      return b.dense(h, "D.dense_1", units: 1)
    }
    dLogitsReal = D(real, &b)
    dLogitsFake = D(detachFake ? b.add(.stopGradient, fake) : fake, &b)
  }

  /// The generator's loss `bce_logits(D(G(z)), 1)`.
  mutating func generatorLoss() -> ValueID {
    b.add(.loss(.bceLogits), dLogitsFake, b.constant(1, [4, 1]))
  }

  /// The discriminator's loss `bce_logits(D(x), 1) + bce_logits(D(G(z)), 0)`.
  mutating func discriminatorLoss() -> ValueID {
    let r = b.add(.loss(.bceLogits), dLogitsReal, b.constant(1, [4, 1]))
    let f = b.add(.loss(.bceLogits), dLogitsFake, b.constant(0, [4, 1]))
    return b.add(.binary(.add), r, f)
  }
}
