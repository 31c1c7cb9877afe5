import Foundation
import GancDiagnostics
import GancIR
import GancLowering
import GancRuntime
import GancSema
import Testing

@testable import GancDriver

// Support for LayerNumericsTests: loading a tiny model, running one of its graphs with
// random parameters and inputs, and plain Double reference implementations of the layers
// to compare with.

/// SplitMix64 (Steele, Lea & Flood 2014), as in GancTestSupport (which this test target
/// does not depend on): seeded, so every input reproduces.
struct LayerRNG: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func uniform(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }

  /// A magnitude in `range` with a random sign: never zero.
  mutating func signed(_ range: ClosedRange<Float>) -> Float {
    let m = uniform(range)
    return Bool.random(using: &self) ? m : -m
  }
}

/// A row-major tensor of Doubles for the reference implementations.
struct Ref: CustomStringConvertible {
  var shape: [Int]
  var data: [Double]

  init(_ shape: [Int], _ data: [Double]) {
    precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
    self.shape = shape
    self.data = data
  }

  init(zeros shape: [Int]) { self.init(shape, [Double](repeating: 0, count: shape.reduce(1, *))) }

  init(_ shape: [Int], floats: some Collection<Float>) { self.init(shape, floats.map(Double.init)) }

  var count: Int { data.count }

  func offset(_ index: [Int]) -> Int {
    precondition(index.count == shape.count, "index \(index) for shape \(shape)")
    var o = 0
    for (i, n) in zip(index, shape) {
      precondition(i >= 0 && i < n, "index \(index) out of \(shape)")
      o = o * n + i
    }
    return o
  }

  subscript(_ index: Int...) -> Double {
    get { data[offset(index)] }
    set { data[offset(index)] = newValue }
  }

  func reshaped(_ s: [Int]) -> Ref { Ref(s, data) }

  var description: String { "Ref\(shape)" }
}

/// `[m, k] · [k, n]`.
func matmul(_ a: Ref, _ b: Ref) -> Ref {
  let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
  precondition(b.shape[0] == k)
  var c = Ref(zeros: [m, n])
  for i in 0..<m {
    for j in 0..<n {
      var s = 0.0
      for p in 0..<k { s += a.data[i * k + p] * b.data[p * n + j] }
      c.data[i * n + j] = s
    }
  }
  return c
}

func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// Checks a model text and returns its model; fails the test on errors.
func loadModel(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Model {
  let dir = ScratchDirectory()
  let path = dir.write("layer.gan", text)
  let checked = try Frontend.load(path)
  let errors = checked.diagnostics.diagnostics.filter { $0.severity == .error }
  #expect(errors.isEmpty, "\(errors.map(\.message))", sourceLocation: sourceLocation)
  return try #require(checked.model, sourceLocation: sourceLocation)
}

/// A model around `declarations` (dimensions, noises, networks, `let`s): batch `B`, one
/// loss and a one-step training block training `wrt`, and a sample line when given.
func layerModel(
  _ declarations: String, batch: Int = 2, loss: String = "mean(v)", wrt: String = "N", sample: String? = nil
) -> String {
  """
  gan layer
  batch B = \(batch)
  \(declarations)
  loss l = \(loss)
  train {
    steps 1
    step s: minimize l wrt \(wrt)
    \(sample.map { "sample: " + $0 } ?? "")
  }

  """
}

/// How a run's parameters start.
enum ParameterFill {
  /// The model's own initialisers (`ParameterInitializer`).
  case initializers
  /// Trainable parameters `±[0.05, 0.5]`; running means `±[0.1, 1]`, running variances
  /// `[0.5, 2]`.
  case random
}

/// One graph of a model, compiled, with parameters and feeds filled with seeded random values.
final class LayerRun {
  let model: Model
  let module: Module
  let graph: Graph
  let parameters: TensorStore
  let feeds: TensorStore
  let executable: Executable

  /// The graph of `model.bindings[binding]` (training mode, as `Lowering.lowerExpression`
  /// gives it) unless `graph` is given.
  init(_ model: Model, binding: String = "v", graph: Graph? = nil, fill: ParameterFill = .random, seed: UInt64)
    throws
  {
    self.model = model
    module = Lowering.lower(model)
    let graph = graph ?? Lowering.lowerExpression(model.bindings[binding]!, in: model)
    self.graph = graph
    parameters = TensorStore(module.parameters.map { ($0.name, $0.shape) })
    var rng = LayerRNG(seed: seed)
    switch fill {
    case .initializers:
      ParameterInitializer.initialize(parameters, module.parameters, seed: seed)
    case .random:
      for p in module.parameters {
        let buf = parameters.buffer(p.name)!
        for i in buf.indices {
          buf[i] =
            if p.name.hasSuffix(".running_var") {
              rng.uniform(0.5...2)
            } else if p.name.hasSuffix(".running_mean") {
              rng.signed(0.1...1)
            } else {
              rng.signed(0.05...0.5)
            }
        }
      }
    }
    // Every input the graph reads: uniform [0, 1) for the compiler's random feeds, class
    // labels for class-typed inputs, ±[0.1, 1.5] otherwise.
    var inputs: [(name: String, shape: [Int])] = []
    for inst in graph.instructions {
      if case .input(let n) = inst.op, !inputs.contains(where: { $0.name == n }) {
        inputs.append((n, graph.shape(of: inst.results[0])))
      }
    }
    feeds = TensorStore(inputs)
    for (name, _) in inputs {
      let buf = feeds.buffer(name)!
      let classes = model.noise(named: name)?.type.classes?.value ?? model.input(named: name)?.type.classes?.value
      for i in buf.indices {
        buf[i] =
          if name.hasPrefix("random ") {
            Float.random(in: 0..<1, using: &rng)
          } else if let classes {
            Float(Int.random(in: 0..<classes, using: &rng))
          } else {
            rng.signed(0.1...1.5)
          }
      }
    }
    executable = try Executable(graph: graph, parameters: parameters, feeds: feeds)
  }

  func parameter(_ name: String) -> Ref {
    let slot = parameters.slots[name]!
    return Ref(slot.shape, floats: parameters.buffer(name)!)
  }

  func feed(_ name: String) -> Ref {
    let slot = feeds.slots[name]!
    return Ref(slot.shape, floats: feeds.buffer(name)!)
  }

  func setFeed(_ name: String, _ values: [Float]) {
    let buf = feeds.buffer(name)!
    precondition(buf.count == values.count)
    for i in values.indices { buf[i] = values[i] }
  }

  func setParameter(_ name: String, _ values: [Float]) {
    let buf = parameters.buffer(name)!
    precondition(buf.count == values.count)
    for i in values.indices { buf[i] = values[i] }
  }

  /// Runs the graph and returns output `name` in its shape.
  func run(_ name: String = "value") throws -> Ref {
    executable.run()
    let v = try #require(graph.outputs.first { $0.name == name }).value
    return Ref(graph.shape(of: v), floats: try #require(executable.output(name)))
  }
}

/// `|got − want| ≤ atol + rtol·|want|` element by element, with matching shapes; reports
/// the first few failures.
func expectClose(
  _ got: Ref, _ want: Ref, atol: Double, rtol: Double = 0, _ what: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.shape == want.shape, "\(what): shape \(got.shape) vs \(want.shape)", sourceLocation: sourceLocation)
  guard got.shape == want.shape else { return }
  var failures = 0
  for i in 0..<got.count {
    let ok = abs(got.data[i] - want.data[i]) <= atol + rtol * abs(want.data[i])
    if !ok {
      failures += 1
      if failures <= 3 {
        Issue.record("\(what)[\(i)]: got \(got.data[i]), want \(want.data[i])", sourceLocation: sourceLocation)
      }
    }
  }
  #expect(failures == 0, "\(what): \(failures) of \(got.count) out of tolerance", sourceLocation: sourceLocation)
}

/// The largest `|a − b|` over two tensors of one shape.
func maxDifference(_ a: Ref, _ b: Ref) -> Double {
  zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
}

// MARK: - Reference layers

/// `x [B, H, W, C]` with `w [kh, kw, C, O]`:
/// `y[b, i, j, o] = bias[o] + Σ x[b, i·sh + ki − ph, j·sw + kj − pw, c] · w[ki, kj, c, o]`.
func conv2dReference(
  _ x: Ref, _ w: Ref, bias: Ref?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)
) -> Ref {
  let (n, h, wd, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (kh, kw, o) = (w.shape[0], w.shape[1], w.shape[3])
  precondition(w.shape[2] == c)
  let oh = (h + 2 * padding.0 - kh) / stride.0 + 1
  let ow = (wd + 2 * padding.1 - kw) / stride.1 + 1
  var y = Ref(zeros: [n, oh, ow, o])
  for b in 0..<n {
    for i in 0..<oh {
      for j in 0..<ow {
        for co in 0..<o {
          var s = bias?.data[co] ?? 0
          for ki in 0..<kh {
            for kj in 0..<kw {
              let yy = i * stride.0 + ki - padding.0
              let xx = j * stride.1 + kj - padding.1
              guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
              for ci in 0..<c { s += x[b, yy, xx, ci] * w[ki, kj, ci, co] }
            }
          }
          y[b, i, j, co] = s
        }
      }
    }
  }
  return y
}

/// PyTorch's ConvTranspose2d on NHWC, `x [B, h, w, C]` with `w [kh, kw, O, C]`: each input
/// pixel scatters through the kernel, `y[b, i·s + ki − p, j·s + kj − p, o] += x[b, i, j, c] ·
/// w[ki, kj, o, c]`, over an output of `(h − 1)·s − 2p + k + output_padding`.
func convTranspose2dReference(
  _ x: Ref, _ w: Ref, bias: Ref?, stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int) = (0, 0)
) -> Ref {
  let (n, h, wd, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (kh, kw, o) = (w.shape[0], w.shape[1], w.shape[2])
  precondition(w.shape[3] == c)
  let oh = (h - 1) * stride.0 - 2 * padding.0 + kh + outputPadding.0
  let ow = (wd - 1) * stride.1 - 2 * padding.1 + kw + outputPadding.1
  var y = Ref(zeros: [n, oh, ow, o])
  for b in 0..<n {
    for i in 0..<h {
      for j in 0..<wd {
        for ki in 0..<kh {
          for kj in 0..<kw {
            let yy = i * stride.0 + ki - padding.0
            let xx = j * stride.1 + kj - padding.1
            guard yy >= 0, yy < oh, xx >= 0, xx < ow else { continue }
            for co in 0..<o {
              for ci in 0..<c { y[b, yy, xx, co] += x[b, i, j, ci] * w[ki, kj, co, ci] }
            }
          }
        }
      }
    }
  }
  if let bias {
    for i in 0..<y.count { y.data[i] += bias.data[i % o] }
  }
  return y
}

/// The weights of one GRU or LSTM layer, PyTorch's four tensors with the gates side by side.
struct RecurrentWeights {
  var inputWeight: Ref  // [F, gates·H]
  var inputBias: Ref  // [gates·H]
  var stateWeight: Ref  // [H, gates·H]
  var stateBias: Ref  // [gates·H]

  init(_ run: LayerRun, _ prefix: String) {
    inputWeight = run.parameter(prefix + ".input_weight")
    inputBias = run.parameter(prefix + ".input_bias")
    stateWeight = run.parameter(prefix + ".state_weight")
    stateBias = run.parameter(prefix + ".state_bias")
  }

  /// `v · W[:, gate·H ..< (gate+1)·H] + b[gate·H ..< (gate+1)·H]` for one example's row `v`:
  /// PyTorch's `W_i? x + b_i?` (or `W_h? h + b_h?`) for one gate.
  static func gate(_ v: [Double], _ w: Ref, _ b: Ref, _ gate: Int, _ h: Int) -> [Double] {
    let width = w.shape[1]
    return (0..<h).map { u in
      var s = b.data[gate * h + u]
      for (k, vk) in v.enumerated() { s += vk * w.data[k * width + gate * h + u] }
      return s
    }
  }
}

/// PyTorch's GRU, one example and one time step at a time:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr)
///   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///   h' = (1 − z) ⊙ n + z ⊙ h
/// Layer l > 0 reads the sequence of layer l − 1's states. Returns every step's state of
/// the last layer `[B, T, H]`, or its last state `[B, H]`.
func gruReference(_ x: Ref, _ layers: [RecurrentWeights], units h: Int, sequences: Bool) -> Ref {
  recurrentReference(x, layers, units: h, sequences: sequences) { xt, state, _, w in
    let r = zip(
      RecurrentWeights.gate(xt, w.inputWeight, w.inputBias, 0, h),
      RecurrentWeights.gate(state, w.stateWeight, w.stateBias, 0, h)
    ).map { sigmoid($0 + $1) }
    let z = zip(
      RecurrentWeights.gate(xt, w.inputWeight, w.inputBias, 1, h),
      RecurrentWeights.gate(state, w.stateWeight, w.stateBias, 1, h)
    ).map { sigmoid($0 + $1) }
    let inN = RecurrentWeights.gate(xt, w.inputWeight, w.inputBias, 2, h)
    let hN = RecurrentWeights.gate(state, w.stateWeight, w.stateBias, 2, h)
    let n = (0..<h).map { Foundation.tanh(inN[$0] + r[$0] * hN[$0]) }
    let next = (0..<h).map { (1 - z[$0]) * n[$0] + z[$0] * state[$0] }
    return (next, [])
  }
}

/// PyTorch's LSTM:
///   i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(W_if x + b_if + W_hf h + b_hf)
///   g = tanh(W_ig x + b_ig + W_hg h + b_hg),  o = σ(W_io x + b_io + W_ho h + b_ho)
///   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
func lstmReference(_ x: Ref, _ layers: [RecurrentWeights], units h: Int, sequences: Bool) -> Ref {
  recurrentReference(x, layers, units: h, sequences: sequences) { xt, state, cell, w in
    func pre(_ k: Int) -> [Double] {
      zip(
        RecurrentWeights.gate(xt, w.inputWeight, w.inputBias, k, h),
        RecurrentWeights.gate(state, w.stateWeight, w.stateBias, k, h)
      ).map { $0 + $1 }
    }
    let i = pre(0).map(sigmoid)
    let f = pre(1).map(sigmoid)
    let g = pre(2).map { Foundation.tanh($0) }
    let o = pre(3).map(sigmoid)
    let c = (0..<h).map { f[$0] * cell[$0] + i[$0] * g[$0] }
    return ((0..<h).map { o[$0] * Foundation.tanh(c[$0]) }, c)
  }
}

/// Runs `cell(x_t, h, c, weights) → (h', c')` over time for each example and layer, from
/// zero states.
private func recurrentReference(
  _ x: Ref, _ layers: [RecurrentWeights], units h: Int, sequences: Bool,
  _ cell: ([Double], [Double], [Double], RecurrentWeights) -> ([Double], [Double])
) -> Ref {
  let (b, t) = (x.shape[0], x.shape[1])
  var input = x
  var last = Ref(zeros: [b, h])
  for w in layers {
    let f = input.shape[2]
    var out = Ref(zeros: [b, t, h])
    for e in 0..<b {
      var state = [Double](repeating: 0, count: h)
      var c = [Double](repeating: 0, count: h)
      for s in 0..<t {
        let xt = (0..<f).map { input[e, s, $0] }
        (state, c) = cell(xt, state, c.isEmpty ? [Double](repeating: 0, count: h) : c, w)
        for u in 0..<h { out[e, s, u] = state[u] }
      }
      for u in 0..<h { last[e, u] = state[u] }
    }
    input = out
  }
  return sequences ? input : last
}

/// `[B, H, W, C1]` and `[B, H, W, C2]` joined along the channels.
func concatChannels(_ a: Ref, _ b: Ref) -> Ref {
  let (n, h, w, c1, c2) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3], b.shape[3])
  var y = Ref(zeros: [n, h, w, c1 + c2])
  for i in 0..<(n * h * w) {
    for c in 0..<c1 { y.data[i * (c1 + c2) + c] = a.data[i * c1 + c] }
    for c in 0..<c2 { y.data[i * (c1 + c2) + c1 + c] = b.data[i * c2 + c] }
  }
  return y
}

/// A convolutional GRU over frames `[B, T, H, W, C]` from a zero state `[B, H, W, F]`:
///   [z, r] = σ(conv([x_t, h], gates) + gates_bias)       (z the first F channels)
///   n = tanh(conv([x_t, r ⊙ h], candidate) + candidate_bias)
///   h' = n + z ⊙ (h − n)
/// with "same" padding (kernel / 2) and stride 1.
func convGRUReference(
  _ x: Ref, layers: [(gates: Ref, gatesBias: Ref, candidate: Ref, candidateBias: Ref)], filters f: Int,
  sequences: Bool
) -> Ref {
  let (b, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  var input = x
  var last = Ref(zeros: [b, h, w, f])
  for layer in layers {
    let k = layer.gates.shape[0]
    let c = input.shape[4]
    var state = Ref(zeros: [b, h, w, f])
    var out = Ref(zeros: [b, t, h, w, f])
    let frameSize = h * w * c
    for s in 0..<t {
      var frame = Ref(zeros: [b, h, w, c])
      for e in 0..<b {
        for i in 0..<frameSize { frame.data[e * frameSize + i] = input.data[(e * t + s) * frameSize + i] }
      }
      let zr = conv2dReference(
        concatChannels(frame, state), layer.gates, bias: layer.gatesBias, padding: (k / 2, k / 2))
      var z = Ref(zeros: [b, h, w, f])
      var rh = Ref(zeros: [b, h, w, f])
      for p in 0..<(b * h * w) {
        for u in 0..<f {
          z.data[p * f + u] = sigmoid(zr.data[p * 2 * f + u])
          rh.data[p * f + u] = sigmoid(zr.data[p * 2 * f + f + u]) * state.data[p * f + u]
        }
      }
      let n = conv2dReference(
        concatChannels(frame, rh), layer.candidate, bias: layer.candidateBias, padding: (k / 2, k / 2)
      ).data.map { Foundation.tanh($0) }
      for i in 0..<state.count { state.data[i] = n[i] + z.data[i] * (state.data[i] - n[i]) }
      let stateSize = h * w * f
      for e in 0..<b {
        for i in 0..<stateSize { out.data[(e * t + s) * stateSize + i] = state.data[e * stateSize + i] }
      }
    }
    input = out
    last = state
  }
  return sequences ? input : last
}

/// Normalises `x` seen as `[rows, C]` per channel over the rows (batch norm) with the
/// given statistics, or with the batch's own (biased variance) when they are nil.
func batchNormReference(
  _ x: Ref, scale: Ref, shift: Ref, eps: Double, mean: [Double]? = nil, variance: [Double]? = nil
) -> (y: Ref, mean: [Double], variance: [Double]) {
  let c = x.shape.last!
  let rows = x.count / c
  let m = mean ?? (0..<c).map { ch in (0..<rows).reduce(0.0) { $0 + x.data[$1 * c + ch] } / Double(rows) }
  let v =
    variance
    ?? (0..<c).map { ch in
      (0..<rows).reduce(0.0) { $0 + (x.data[$1 * c + ch] - m[ch]) * (x.data[$1 * c + ch] - m[ch]) } / Double(rows)
    }
  var y = x
  for i in 0..<x.count {
    let ch = i % c
    y.data[i] = (x.data[i] - m[ch]) / (v[ch] + eps).squareRoot() * scale.data[ch] + shift.data[ch]
  }
  return (y, m, v)
}

/// Normalises each row of `x` seen as `[rows, C]` over its `C` entries (biased variance).
func layerNormReference(_ x: Ref, scale: Ref, shift: Ref, eps: Double) -> Ref {
  let c = x.shape.last!
  var y = x
  for r in 0..<(x.count / c) {
    let row = Array(x.data[(r * c)..<(r * c + c)])
    let m = row.reduce(0, +) / Double(c)
    let v = row.reduce(0.0) { $0 + ($1 - m) * ($1 - m) } / Double(c)
    for j in 0..<c { y.data[r * c + j] = (row[j] - m) / (v + eps).squareRoot() * scale.data[j] + shift.data[j] }
  }
  return y
}

/// `x · W + b` over the last axis.
func denseReference(_ x: Ref, _ w: Ref, _ b: Ref?) -> Ref {
  let k = x.shape.last!
  var y = matmul(x.reshaped([x.count / k, k]), w)
  if let b {
    for i in 0..<y.count { y.data[i] += b.data[i % b.count] }
  }
  return y.reshaped(Array(x.shape.dropLast()) + [w.shape[1]])
}
