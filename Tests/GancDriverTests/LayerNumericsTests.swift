import Foundation
import GancIR
import GancLowering
import GancRuntime
import GancSema
import Testing

@testable import GancDriver

// Each layer of the language, end to end: a tiny model using it is checked, the value
// `v` is lowered (`Lowering.lowerExpression`, training mode) and run by the runtime with
// seeded random parameters and inputs (never zeros), and the result is compared with an
// independent Double implementation in LayerNumericsSupport.swift, computed from the same
// parameter and input values.
//
// Tolerances. The runtime computes in float32 (unit roundoff u = 2⁻²⁴ ≈ 6e-8); the
// references in Double are exact by comparison. Layers that only move values (upsample,
// flatten, transpose, slices, embedding's one-hot product, dropout's mask) must match
// exactly. For the others the bound is stated at each test: a float32 sum of n terms is
// within n·u·Σ|terms| of the exact sum, activations (σ, tanh) are 1-Lipschitz and libm's
// are within an ulp or two, and the values here are O(1), so each tolerance is a
// worst-case bound with margin, and still several orders of magnitude below what a wrong
// gate order, a missing term or a transposed weight gives (O(0.01–1) here).

@Suite struct LayerNumericsTests {
  // MARK: - Recurrent layers

  struct RecurrentCase: Sendable, CustomTestStringConvertible {
    var cell: String
    var layers: Int
    var sequences: Bool
    var testDescription: String { "\(cell) layers: \(layers) sequences: \(sequences)" }
  }

  static let recurrentCases: [RecurrentCase] = ["gru", "lstm"].flatMap { cell in
    [1, 2].flatMap { layers in [true, false].map { RecurrentCase(cell: cell, layers: layers, sequences: $0) } }
  }

  /// GRU and LSTM against PyTorch's equations, written out one example and one step at a
  /// time with the weights split into PyTorch's per-gate matrices (gate order r, z, n and
  /// i, f, g, o). Bound: each gate's pre-activation is a sum of F + H + 2 ≤ 12 terms of size
  /// ≤ 0.75, so its error is ≲ 14·u·9 ≈ 8e-6; σ and tanh do not amplify it, and errors
  /// carried in the state add up over T = 4 steps and 2 layers: ≤ 8 · 8e-6 ≈ 6e-5 in the
  /// worst case. `atol = 1e-4`.
  @Test(arguments: recurrentCases)
  func recurrentMatchesPyTorchEquations(_ c: RecurrentCase) throws {
    let (t, f, h) = (4, 3, 5)
    let out = c.sequences ? "[B, T, H]" : "[B, H]"
    let model = try loadModel(
      layerModel(
        """
        dim T = \(t)
        dim F = \(f)
        dim H = \(h)
        noise x: [B, T, F] = normal(0, 1)
        net N(x: [B, T, F]) -> \(out) {
          x |> \(c.cell)(H, layers: \(c.layers), sequences: \(c.sequences))
        }
        let v = N(x)
        """, batch: 3))
    // PyTorch's parameter names and shapes, with the gates side by side.
    let gates = c.cell == "gru" ? 3 : 4
    var expected: [String: [Int]] = [:]
    for l in 0..<c.layers {
      let p = "N.\(c.cell)_0.layer\(l)"
      expected[p + ".input_weight"] = [l == 0 ? f : h, gates * h]
      expected[p + ".input_bias"] = [gates * h]
      expected[p + ".state_weight"] = [h, gates * h]
      expected[p + ".state_bias"] = [gates * h]
    }
    let params = try #require(model.net(named: "N")).parameters
    #expect(Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.shape) }) == expected)

    let run = try LayerRun(model, seed: 100 + UInt64(c.layers) + (c.sequences ? 10 : 0))
    let weights = (0..<c.layers).map { RecurrentWeights(run, "N.\(c.cell)_0.layer\($0)") }
    let x = run.feed("x")
    let want =
      c.cell == "gru"
      ? gruReference(x, weights, units: h, sequences: c.sequences)
      : lstmReference(x, weights, units: h, sequences: c.sequences)
    expectClose(try run.run(), want, atol: 1e-4, c.testDescription)
  }

  struct ConvGRUCase: Sendable, CustomTestStringConvertible {
    var layers: Int
    var sequences: Bool
    var kernel: Int
    var testDescription: String { "layers: \(layers) sequences: \(sequences) kernel: \(kernel)" }
  }

  /// conv_gru2d against its equations with direct convolutions. Bound: a gate's
  /// pre-activation sums k²·(C + F) + 1 ≤ 9·5 + 1 = 46 terms of size ≤ 0.75, so ≲ 48·u·35 ≈
  /// 1e-4 worst case, carried through T = 3 steps and 2 layers; typical errors are far
  /// smaller (random signs), and `atol = 2e-4` still leaves O(0.01) errors visible.
  @Test(arguments: [
    ConvGRUCase(layers: 1, sequences: true, kernel: 3), ConvGRUCase(layers: 1, sequences: false, kernel: 3),
    ConvGRUCase(layers: 2, sequences: true, kernel: 3), ConvGRUCase(layers: 2, sequences: false, kernel: 1),
  ])
  func convGRUMatchesItsEquations(_ c: ConvGRUCase) throws {
    let out = c.sequences ? "[B, T, S, S, F]" : "[B, S, S, F]"
    let model = try loadModel(
      layerModel(
        """
        dim T = 3
        dim S = 4
        dim C = 2
        dim F = 3
        noise x: [B, T, S, S, C] = normal(0, 1)
        net N(x: [B, T, S, S, C]) -> \(out) {
          x |> conv_gru2d(F, kernel: \(c.kernel), layers: \(c.layers), sequences: \(c.sequences))
        }
        let v = N(x)
        """))
    let run = try LayerRun(model, seed: 200 + UInt64(c.layers) + (c.sequences ? 10 : 0))
    let layers = (0..<c.layers).map { l in
      let p = "N.conv_gru2d_0.layer\(l)"
      return (
        gates: run.parameter(p + ".gates"), gatesBias: run.parameter(p + ".gates_bias"),
        candidate: run.parameter(p + ".candidate"), candidateBias: run.parameter(p + ".candidate_bias")
      )
    }
    #expect(layers[0].gates.shape == [c.kernel, c.kernel, 2 + 3, 6])
    #expect(layers[0].candidate.shape == [c.kernel, c.kernel, 2 + 3, 3])
    let want = convGRUReference(run.feed("x"), layers: layers, filters: 3, sequences: c.sequences)
    expectClose(try run.run(), want, atol: 2e-4, c.testDescription)
  }

  // MARK: - Convolutions

  struct ConvLayerCase: Sendable, CustomTestStringConvertible {
    var layer: String
    /// The input's shape after the batch: `[H, W, C]` or `[T, C]`.
    var input: [Int]
    var filters: Int
    var kernel: Int
    var stride = 1
    var padding = 0
    var outputPadding = 0
    var bias = true

    var transposed: Bool { layer.contains("transpose") }
    var rank: Int { input.count - 1 }
    var output: [Int] {
      input.dropLast().map { n in
        transposed
          ? (n - 1) * stride - 2 * padding + kernel + outputPadding : (n + 2 * padding - kernel) / stride + 1
      } + [filters]
    }
    var call: String {
      "\(layer)(\(filters), kernel: \(kernel), stride: \(stride), padding: \(padding)"
        + (transposed ? ", output_padding: \(outputPadding)" : "") + ", bias: \(bias))"
    }
    var testDescription: String { "\(input) |> \(call)" }
  }

  static let convLayerCases: [ConvLayerCase] = [
    ConvLayerCase(layer: "conv2d", input: [5, 5, 2], filters: 4, kernel: 3, padding: 1),
    ConvLayerCase(layer: "conv2d", input: [6, 6, 3], filters: 2, kernel: 4, stride: 2, padding: 1),
    ConvLayerCase(layer: "conv2d", input: [5, 5, 1], filters: 3, kernel: 5, stride: 1, padding: 2, bias: false),
    ConvLayerCase(layer: "conv1d", input: [7, 2], filters: 3, kernel: 3, stride: 2, padding: 1),
    ConvLayerCase(layer: "conv1d", input: [6, 3], filters: 2, kernel: 1),
    ConvLayerCase(layer: "conv_transpose2d", input: [3, 3, 2], filters: 3, kernel: 4, stride: 2, padding: 1),
    ConvLayerCase(
      layer: "conv_transpose2d", input: [3, 3, 2], filters: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1),
    ConvLayerCase(layer: "conv_transpose2d", input: [2, 2, 3], filters: 2, kernel: 3, stride: 1, padding: 0),
    ConvLayerCase(layer: "conv_transpose1d", input: [4, 2], filters: 2, kernel: 3, stride: 2),
  ]

  /// Convolution layers against direct convolutions (PyTorch's definitions on NHWC, a 1-D
  /// layer as a 2-D one of height 1). Bound: ≤ k²·C + 1 = 28 terms of size ≤ 0.75:
  /// ≲ 30·u·21 ≈ 4e-5. `atol = 1e-4`.
  @Test(arguments: convLayerCases)
  func convolutionLayerMatchesDirectConvolution(_ c: ConvLayerCase) throws {
    let dims = (["B"] + c.input.map(String.init)).joined(separator: ", ")
    let outDims = (["B"] + c.output.map(String.init)).joined(separator: ", ")
    let model = try loadModel(
      layerModel(
        """
        noise x: [\(dims)] = normal(0, 1)
        net N(x: [\(dims)]) -> [\(outDims)] {
          x |> \(c.call)
        }
        let v = N(x)
        """))
    let run = try LayerRun(model, seed: 300 + UInt64(c.input.reduce(0, +) * c.kernel))
    let weight = run.parameter("N.\(c.layer)_0.weight")
    let inC = c.input.last!
    let k = c.rank == 2 ? [c.kernel, c.kernel] : [1, c.kernel]
    #expect(weight.shape == k + (c.transposed ? [c.filters, inC] : [inC, c.filters]))
    let bias = c.bias ? run.parameter("N.\(c.layer)_0.bias") : nil
    #expect(run.parameters.slots["N.\(c.layer)_0.bias"] == nil || c.bias)
    var x = run.feed("x")
    if c.rank == 1 { x = x.reshaped([x.shape[0], 1, x.shape[1], x.shape[2]]) }
    let (s, p, op) =
      c.rank == 2
      ? ((c.stride, c.stride), (c.padding, c.padding), (c.outputPadding, c.outputPadding))
      : ((1, c.stride), (0, c.padding), (0, c.outputPadding))
    var want =
      c.transposed
      ? convTranspose2dReference(x, weight, bias: bias, stride: s, padding: p, outputPadding: op)
      : conv2dReference(x, weight, bias: bias, stride: s, padding: p)
    want = want.reshaped([x.shape[0]] + c.output)
    expectClose(try run.run(), want, atol: 1e-4, c.testDescription)
  }

  // MARK: - Normalisation

  struct NormCase: Sendable, CustomTestStringConvertible {
    var shape: [Int]
    var randomAffine: Bool
    var testDescription: String { "\(shape)\(randomAffine ? " random scale and shift" : "")" }
  }

  static let batchNormCases: [NormCase] = [
    NormCase(shape: [6, 3], randomAffine: false), NormCase(shape: [6, 3], randomAffine: true),
    NormCase(shape: [2, 3, 3, 2], randomAffine: false), NormCase(shape: [2, 3, 3, 2], randomAffine: true),
    NormCase(shape: [3, 4, 2], randomAffine: true),
  ]

  static func dims(_ shape: [Int]) -> String { (["B"] + shape.dropFirst().map(String.init)).joined(separator: ", ") }

  /// Batch norm while training: each channel (last axis) normalised with its batch mean
  /// and biased variance over every other axis. Bound: the mean and variance of ≤ 18
  /// values are within ~20·u relative; (x − m)/√(v + ε) of size ≤ 3 then within ~1e-5,
  /// and the scale (≤ 0.5) and shift add two roundings. `atol = 2e-5`.
  @Test(arguments: batchNormCases)
  func batchNormTrainingUsesBatchStatistics(_ c: NormCase) throws {
    let d = Self.dims(c.shape)
    let model = try loadModel(
      layerModel(
        """
        noise x: [\(d)] = normal(0, 1)
        net N(x: [\(d)]) -> [\(d)] {
          x |> batch_norm
        }
        let v = N(x)
        """, batch: c.shape[0]))
    let run = try LayerRun(model, fill: c.randomAffine ? .random : .initializers, seed: 400 + UInt64(c.shape.count))
    let scale = run.parameter("N.batch_norm_0.scale")
    let shift = run.parameter("N.batch_norm_0.shift")
    if !c.randomAffine {
      #expect(scale.data.allSatisfy { $0 == 1 } && shift.data.allSatisfy { $0 == 0 })
    }
    let want = batchNormReference(run.feed("x"), scale: scale, shift: shift, eps: 1e-5).y
    let got = try run.run()
    expectClose(got, want, atol: 2e-5, c.testDescription)
    if !c.randomAffine {
      // Each channel of the output has mean 0 and (biased) variance 1 − ε/(v + ε) ≈ 1.
      let (_, m, v) = batchNormReference(got, scale: scale, shift: shift, eps: 0)
      #expect(m.allSatisfy { abs($0) < 1e-5 } && v.allSatisfy { abs($0 - 1) < 1e-3 }, "\(m) \(v)")
    }
  }

  /// A training step's forward graph moves the running statistics as PyTorch does:
  /// running ← (1 − momentum)·running + momentum·statistic, with the unbiased variance
  /// (the batch's times R/(R − 1), R the rows averaged). Two runs compound. The differentiated
  /// and optimised step (what `ganc train` runs) moves them the same way, once per run.
  /// Bound: the statistics as above (≲ 1e-6), times momentum, plus the update's roundings:
  /// `atol = 1e-5`.
  @Test(arguments: [([6, 3], 0.1), ([2, 3, 3, 2], 0.1), ([4, 2, 5], 0.3)] as [([Int], Double)])
  func batchNormRunningStatisticsFollowPyTorch(_ shape: [Int], _ momentum: Double) throws {
    let d = Self.dims(shape)
    let option = momentum == 0.1 ? "" : "(momentum: \(momentum))"
    let model = try loadModel(
      layerModel(
        """
        noise x: [\(d)] = normal(0, 1)
        noise t: [\(d)] = normal(0, 1)
        net N(x: [\(d)]) -> [\(d)] {
          x |> batch_norm\(option)
        }
        """, batch: shape[0], loss: "mse(N(x), t)"))
    let module = Lowering.lower(model)
    let run = try LayerRun(model, graph: module.steps[0].graph, fill: .initializers, seed: 500)
    let x = run.feed("x")
    let c = shape.last!
    let rows = x.count / c
    let (_, mean, variance) = batchNormReference(
      x, scale: Ref([c], [Double](repeating: 1, count: c)), shift: Ref(zeros: [c]), eps: 1e-5)
    let unbiased = variance.map { $0 * Double(rows) / Double(rows - 1) }
    var runningMean = [Double](repeating: 0, count: c)
    var runningVar = [Double](repeating: 1, count: c)
    for _ in 0..<2 {
      run.executable.run()
      for ch in 0..<c {
        runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch]
        runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased[ch]
      }
      expectClose(run.parameter("N.batch_norm_0.running_mean"), Ref([c], runningMean), atol: 1e-5, "running mean")
      expectClose(run.parameter("N.batch_norm_0.running_var"), Ref([c], runningVar), atol: 1e-5, "running var")
    }

    // The compiled step, as training runs it, on the same input.
    let compiled = try Compilation.compile(model)
    let parameters = TensorStore(compiled.parameters.map { ($0.name, $0.shape) })
    ParameterInitializer.initialize(parameters, compiled.parameters, seed: 500)
    let feeds = TensorStore(compiled.feeds.map { ($0.name, $0.shape) })
    let xs = feeds.buffer("x")!
    for i in xs.indices { xs[i] = Float(x.data[i]) }
    let ts = feeds.buffer("t")!
    for i in ts.indices { ts[i] = Float(i % 3) - 1 }
    let runner = try StepRunner(
      step: compiled.steps[0], parameters: parameters, feeds: feeds,
      optimizer: OptimizerState(name: "s", parameters: parameters))
    runner.run()
    let oneMean = mean.map { momentum * $0 }
    let oneVar = unbiased.map { 1 - momentum + momentum * $0 }
    expectClose(
      Ref([c], floats: parameters.buffer("N.batch_norm_0.running_mean")!), Ref([c], oneMean), atol: 1e-5,
      "compiled running mean")
    expectClose(
      Ref([c], floats: parameters.buffer("N.batch_norm_0.running_var")!), Ref([c], oneVar), atol: 1e-5,
      "compiled running var")
  }

  /// When sampling, batch norm uses the running statistics (random here), not the batch's.
  /// Bound as for training, without the statistics' error: `atol = 1e-5`.
  @Test(arguments: [[4, 3], [2, 2, 3, 2]])
  func batchNormInferenceUsesRunningStatistics(_ shape: [Int]) throws {
    let d = Self.dims(shape)
    let model = try loadModel(
      layerModel(
        """
        noise x: [\(d)] = normal(0, 1)
        net N(x: [\(d)]) -> [\(d)] {
          x |> batch_norm(eps: 0.001)
        }
        """, batch: shape[0], loss: "mean(square(N(x)))", sample: "N(x)"))
    let sample = try #require(Lowering.lower(model).sample)
    let run = try LayerRun(model, graph: sample, fill: .random, seed: 600 + UInt64(shape.count))
    let p = "N.batch_norm_0."
    let want = batchNormReference(
      run.feed("x"), scale: run.parameter(p + "scale"), shift: run.parameter(p + "shift"), eps: 0.001,
      mean: run.parameter(p + "running_mean").data, variance: run.parameter(p + "running_var").data)
    let got = try run.run(Module.sampleOutput)
    expectClose(got, want.y, atol: 1e-5, "inference")
    // Not the batch's statistics.
    let batch = batchNormReference(
      run.feed("x"), scale: run.parameter(p + "scale"), shift: run.parameter(p + "shift"), eps: 0.001)
    #expect(maxDifference(got, batch.y) > 0.01)
  }

  /// Layer norm: each example's last axis to mean 0 and variance 1, then scaled and
  /// shifted per feature. Bound as for batch norm: `atol = 2e-5`.
  @Test(arguments: [[3, 5], [2, 3, 4], [2, 2, 2, 6]])
  func layerNormNormalisesTheLastAxis(_ shape: [Int]) throws {
    let d = Self.dims(shape)
    let model = try loadModel(
      layerModel(
        """
        noise x: [\(d)] = normal(0, 1)
        net N(x: [\(d)]) -> [\(d)] {
          x |> layer_norm
        }
        let v = N(x)
        """, batch: shape[0]))
    let run = try LayerRun(model, seed: 700 + UInt64(shape.count))
    let want = layerNormReference(
      run.feed("x"), scale: run.parameter("N.layer_norm_0.scale"), shift: run.parameter("N.layer_norm_0.shift"),
      eps: 1e-5)
    expectClose(try run.run(), want, atol: 2e-5, "\(shape)")
  }

  // MARK: - Functions without parameters

  /// A model whose `v` is `expression` of inputs `x` (and `t`), with a one-layer network
  /// to train so the model is complete.
  static func functionModel(_ inputs: String, _ expression: String) -> String {
    layerModel(
      """
      \(inputs)
      noise d: [B, 1] = normal(0, 1)
      net N(d: [B, 1]) -> [B, 1] {
        d |> dense(1)
      }
      let v = \(expression)
      """, loss: "mean(N(d))")
  }

  struct FunctionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var inputs: String
    var expression: String
    /// Tolerance (absolute) and why.
    var atol: Double
    var reference: @Sendable (LayerRun) -> Ref
    var testDescription: String { name }
  }

  static let functionCases: [FunctionCase] = [
    // Nearest-neighbour upsampling copies: exact.
    FunctionCase(
      name: "upsample(2) [B, H, W, C]", inputs: "noise x: [B, 3, 2, 2] = normal(0, 1)", expression: "upsample(x, 2)",
      atol: 0
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 6, 4, 2])
      for b in 0..<2 { for i in 0..<6 { for j in 0..<4 { for c in 0..<2 { y[b, i, j, c] = x[b, i / 2, j / 2, c] } } } }
      return y
    },
    FunctionCase(
      name: "upsample(3) [B, T, C]", inputs: "noise x: [B, 3, 2] = normal(0, 1)", expression: "upsample(x, factor: 3)",
      atol: 0
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 9, 2])
      for b in 0..<2 { for i in 0..<9 { for c in 0..<2 { y[b, i, c] = x[b, i / 3, c] } } }
      return y
    },
    // Means of 4 (or 2, 3) values: a few roundings of values ≤ 1.5: atol 1e-6.
    FunctionCase(
      name: "avg_pool(2) [B, H, W, C]", inputs: "noise x: [B, 4, 6, 2] = normal(0, 1)", expression: "avg_pool(x, 2)",
      atol: 1e-6
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 2, 3, 2])
      for b in 0..<2 {
        for i in 0..<2 {
          for j in 0..<3 {
            for c in 0..<2 {
              y[b, i, j, c] =
                (x[b, 2 * i, 2 * j, c] + x[b, 2 * i, 2 * j + 1, c] + x[b, 2 * i + 1, 2 * j, c]
                  + x[b, 2 * i + 1, 2 * j + 1, c]) / 4
            }
          }
        }
      }
      return y
    },
    FunctionCase(
      name: "avg_pool(3) [B, T, C]", inputs: "noise x: [B, 6, 3] = normal(0, 1)", expression: "avg_pool(x, size: 3)",
      atol: 1e-6
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 2, 3])
      for b in 0..<2 {
        for i in 0..<2 { for c in 0..<3 { y[b, i, c] = (0..<3).reduce(0) { $0 + x[b, 3 * i + $1, c] } / 3 } }
      }
      return y
    },
    // Pure permutations: exact.
    FunctionCase(
      name: "transpose(0, 2, 1)", inputs: "noise x: [B, 3, 4] = normal(0, 1)", expression: "transpose(x, 0, 2, 1)",
      atol: 0
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 4, 3])
      for b in 0..<2 { for i in 0..<4 { for j in 0..<3 { y[b, i, j] = x[b, j, i] } } }
      return y
    },
    FunctionCase(
      name: "transpose(0, 3, 1, 2)", inputs: "noise x: [B, 2, 3, 4] = normal(0, 1)",
      expression: "transpose(x, 0, 3, 1, 2)", atol: 0
    ) { run in
      let x = run.feed("x")
      var y = Ref(zeros: [2, 4, 2, 3])
      for b in 0..<2 { for i in 0..<4 { for j in 0..<2 { for k in 0..<3 { y[b, i, j, k] = x[b, j, k, i] } } } }
      return y
    },
    // e^x / Σe^x over 5 entries: within (5 + 4)·u relative, so 1e-6 absolute for values ≤ 1.
    FunctionCase(
      name: "softmax", inputs: "noise x: [B, 3, 5] = normal(0, 1)", expression: "softmax(x)", atol: 1e-6
    ) { run in
      let x = run.feed("x")
      var y = x
      for r in 0..<6 {
        let row = x.data[(r * 5)..<(r * 5 + 5)]
        let top = row.max()!
        let total = row.reduce(0) { $0 + exp($1 - top) }
        for j in 0..<5 { y.data[r * 5 + j] = exp(x.data[r * 5 + j] - top) / total }
      }
      return y
    },
    // Row-major reshape: exact.
    FunctionCase(
      name: "flatten", inputs: "noise x: [B, 2, 3, 2] = normal(0, 1)", expression: "flatten(x)", atol: 0
    ) { run in run.feed("x").reshaped([2, 12]) },
    // Slices with negative bounds count from the end; a single index drops the axis: exact.
    FunctionCase(
      name: "x[:, -3:-1]", inputs: "noise x: [B, 5, 3] = normal(0, 1)", expression: "x[:, -3:-1]", atol: 0
    ) { run in slice(run.feed("x"), [0..<2, 2..<4, 0..<3], keep: [true, true, true]) },
    FunctionCase(
      name: "x[:, -1]", inputs: "noise x: [B, 5, 3] = normal(0, 1)", expression: "x[:, -1]", atol: 0
    ) { run in slice(run.feed("x"), [0..<2, 4..<5, 0..<3], keep: [true, false, true]) },
    FunctionCase(
      name: "x[:, :-2, 1:]", inputs: "noise x: [B, 5, 3] = normal(0, 1)", expression: "x[:, :-2, 1:]", atol: 0
    ) { run in slice(run.feed("x"), [0..<2, 0..<3, 1..<3], keep: [true, true, true]) },
    FunctionCase(
      name: "x[:, 1:, -2]", inputs: "noise x: [B, 5, 3] = normal(0, 1)", expression: "x[:, 1:, -2]", atol: 0
    ) { run in slice(run.feed("x"), [0..<2, 1..<5, 1..<2], keep: [true, true, false]) },
    // Variance and std over an axis: means of ≤ 4 squares of values ≤ 3 (≲ 10·u·9 ≈ 5e-6);
    // the square root halves the relative error. atol 1e-5.
    FunctionCase(
      name: "variance(x, axis: 1)", inputs: "noise x: [B, 4, 3] = normal(0, 1)", expression: "variance(x, axis: 1)",
      atol: 1e-5
    ) { run in moments(run.feed("x"), axis: 1, std: false) },
    FunctionCase(
      name: "std(x, axis: -1)", inputs: "noise x: [B, 4, 3] = normal(0, 1)", expression: "std(x, axis: -1)",
      atol: 1e-5
    ) { run in moments(run.feed("x"), axis: 2, std: true) },
    FunctionCase(
      name: "variance(x, over: B)", inputs: "noise x: [B, 4, 3] = normal(0, 1)", expression: "variance(x, over: B)",
      atol: 1e-5
    ) { run in moments(run.feed("x"), axis: 0, std: false) },
    FunctionCase(
      name: "std(x)", inputs: "noise x: [B, 4, 3] = normal(0, 1)", expression: "std(x)", atol: 1e-5
    ) { run in
      let x = run.feed("x")
      let m = x.data.reduce(0, +) / Double(x.count)
      return Ref([], [(x.data.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()])
    },
    // Hinge and Wasserstein losses: means of 8 values ≤ 2.5 (accumulated in Double), each a
    // couple of float32 roundings: atol 1e-6.
    FunctionCase(
      name: "hinge(x, 1)", inputs: "noise x: [B, 4] = normal(0, 1)", expression: "hinge(x, 1)", atol: 1e-6
    ) { run in Ref([], [run.feed("x").data.reduce(0) { $0 + max(0, 1 - $1) } / 8]) },
    FunctionCase(
      name: "hinge(x, -1)", inputs: "noise x: [B, 4] = normal(0, 1)", expression: "hinge(x, -1)", atol: 1e-6
    ) { run in Ref([], [run.feed("x").data.reduce(0) { $0 + max(0, 1 + $1) } / 8]) },
    FunctionCase(
      name: "hinge(x, t)", inputs: "noise x: [B, 4] = normal(0, 1)\nnoise t: [B, 4] = normal(0, 1)",
      expression: "hinge(x, t)", atol: 1e-6
    ) { run in
      let (x, t) = (run.feed("x"), run.feed("t"))
      return Ref([], [(0..<8).reduce(0) { $0 + max(0, 1 - t.data[$1] * x.data[$1]) } / 8])
    },
    FunctionCase(
      name: "wasserstein(x, 1)", inputs: "noise x: [B, 4] = normal(0, 1)", expression: "wasserstein(x, 1)",
      atol: 1e-6
    ) { run in Ref([], [-run.feed("x").data.reduce(0, +) / 8]) },
    FunctionCase(
      name: "wasserstein(x, t)", inputs: "noise x: [B, 4] = normal(0, 1)\nnoise t: [B, 4] = normal(0, 1)",
      expression: "wasserstein(x, t)", atol: 1e-6
    ) { run in
      let (x, t) = (run.feed("x"), run.feed("t"))
      return Ref([], [-(0..<8).reduce(0) { $0 + t.data[$1] * x.data[$1] } / 8])
    },
  ]

  @Test(arguments: functionCases)
  func functionMatchesReference(_ c: FunctionCase) throws {
    let model = try loadModel(Self.functionModel(c.inputs, c.expression))
    let run = try LayerRun(model, seed: 800)
    if run.feeds.slots["t"] != nil {
      // Targets of the GAN losses are +1 (real) and −1 (fake).
      run.setFeed("t", (0..<8).map { $0 % 3 == 0 ? -1 : 1 })
    }
    let got = try run.run()
    let want = c.reference(run)
    if c.atol == 0 {
      #expect(got.shape == want.shape)
      #expect(got.data == want.data, "\(c.name): \(got.data) vs \(want.data)")
    } else {
      expectClose(got, want, atol: c.atol, c.name)
    }
  }

  /// A hinge loss whose margins are all positive (every |x| < 1) is 1 − mean(t·x); with
  /// the inputs pushed past the margin it is 0. Checks the max(0, ·) is on the right side.
  @Test func hingeIsZeroPastTheMargin() throws {
    let model = try loadModel(Self.functionModel("noise x: [B, 4] = normal(0, 1)", "hinge(x, 1)"))
    let run = try LayerRun(model, seed: 801)
    run.setFeed("x", (0..<8).map { 1.5 + Float($0) / 10 })
    #expect(try run.run().data == [0])
    let inside: [Float] = (0..<8).map { Float($0) / 10 - 0.3 }
    run.setFeed("x", inside)
    let margins: [Double] = inside.map { 1 - Double($0) }
    let want = margins.reduce(0, +) / 8
    #expect(abs(try run.run().data[0] - want) < 1e-6)
  }

  /// Embedding: each label picks its row of the table (through a one-hot product, whose
  /// sums have one non-zero term): exact.
  @Test(arguments: [[3], [4, 2]])
  func embeddingPicksRowsOfTheTable(_ labelShape: [Int]) throws {
    let dims = (["B"] + labelShape.map(String.init)).joined(separator: ", ")
    let model = try loadModel(
      layerModel(
        """
        dim K = 5
        noise y: [\(dims)] class(K) = uniform
        net N(y: [\(dims)] class(K)) -> [\(dims), 3] {
          embedding(y, 3)
        }
        let v = N(y)
        """))
    let run = try LayerRun(model, seed: 900 + UInt64(labelShape.count))
    let table = run.parameter("N.embedding_0.table")
    #expect(table.shape == [5, 3])
    let labels = run.feed("y")
    #expect(Set(labels.data).count > 1, "labels drawn from 0..<5")
    let want = Ref(labels.shape + [3], labels.data.flatMap { l in (0..<3).map { table[Int(l), $0] } })
    let got = try run.run()
    #expect(got.shape == want.shape)
    #expect(got.data == want.data)
  }

  // MARK: - Dropout

  /// While training, dropout zeroes the values whose uniform draw (the random feed the
  /// compiler asks for) is below the rate and scales the rest by 1/(1 − rate): exactly
  /// `x · mask` in float32. About `rate` of 4·50·4 = 800 values are zeroed (standard
  /// deviation of the share ≤ 0.018; the check allows 0.07). A network called twice gets
  /// a mask per call. When sampling, dropout is the identity.
  @Test(arguments: [0.1, 0.3, 0.5])
  func dropoutZeroesTheDrawnShareAndScalesTheRest(_ rate: Double) throws {
    let model = try loadModel(
      layerModel(
        """
        noise x: [B, 50, 4] = normal(0, 1)
        noise d: [B, 1] = normal(0, 1)
        net M(d: [B, 1]) -> [B, 1] {
          d |> dense(1)
        }
        net N(x: [B, 50, 4]) -> [B, 50, 4] {
          x |> dropout(\(rate))
        }
        let v = N(x)
        let twice = concat(N(x), N(x))
        """, batch: 4, loss: "mean(M(d))", wrt: "M", sample: "N(x)"))
    let run = try LayerRun(model, seed: 1000 + UInt64(rate * 10))
    let mask = "random N.dropout_0 #0"
    let u = try #require(run.feeds.buffer(mask).map { Array($0) })
    let x = run.feed("x")
    let got = try run.run()
    let keep = Float(1 / (1 - rate))
    let want = zip(x.data, u).map { xi, ui in Double(Float(xi) * (ui >= Float(rate) ? keep : 0)) }
    #expect(got.data == want)
    let zeroed = Double(got.data.filter { $0 == 0 }.count) / Double(got.count)
    #expect(abs(zeroed - rate) < 0.07, "zeroed \(zeroed) at rate \(rate)")

    let twice = Lowering.lowerExpression(model.bindings["twice"]!, in: model)
    let randomInputs = twice.instructions.compactMap { inst -> String? in
      if case .input(let n) = inst.op, n.hasPrefix("random ") { return n }
      return nil
    }
    #expect(Set(randomInputs) == [mask, "random N.dropout_0 #1"])

    let sample = try #require(Lowering.lower(model).sample)
    let inference = try LayerRun(model, graph: sample, seed: 1000)
    inference.setFeed("x", x.data.map(Float.init))
    #expect(try inference.run(Module.sampleOutput).data == x.data)
    #expect(!sample.instructions.contains { if case .dropoutMask = $0.op { true } else { false } })
  }

  // MARK: - Blocks

  /// A block used twice is two layers with parameters of their own (`N.res_0.…`,
  /// `N.res_1.…`), and the output uses both sets: it matches x ↦ r₁(r₀(x)) with rᵢ(h) =
  /// h + tanh(h·Wᵢ + bᵢ), and differs from using the first set twice. Bound: two dense
  /// layers of 4 + 1 terms ≤ 0.75 each: atol 1e-5.
  @Test func blockUsedTwiceHasTwoParameterSets() throws {
    let model = try loadModel(
      layerModel(
        """
        dim F = 4
        noise x: [B, F] = normal(0, 1)
        block res(h: [B, F]) -> [B, F] {
          h + (h |> dense(F) |> tanh)
        }
        net N(x: [B, F]) -> [B, F] {
          x |> res |> res
        }
        let v = N(x)
        """, batch: 3))
    let names = try #require(model.net(named: "N")).parameters.map(\.name)
    #expect(
      names == ["N.res_0.dense_0.weight", "N.res_0.dense_0.bias", "N.res_1.dense_0.weight", "N.res_1.dense_0.bias"])
    let run = try LayerRun(model, seed: 1100)
    func res(_ h: Ref, _ i: Int) -> Ref {
      let z = denseReference(
        h, run.parameter("N.res_\(i).dense_0.weight"), run.parameter("N.res_\(i).dense_0.bias"))
      return Ref(h.shape, zip(h.data, z.data).map { $0 + Foundation.tanh($1) })
    }
    let x = run.feed("x")
    let got = try run.run()
    expectClose(got, res(res(x, 0), 1), atol: 1e-5, "two sets")
    #expect(maxDifference(got, res(res(x, 0), 0)) > 0.01)

    // The step trains all four.
    let module = try Compilation.compile(model)
    #expect(module.steps[0].parameters == names)
  }

  /// Blocks inside blocks, with `let`s: each use of `outer` gets its own two uses of
  /// `inner` and its own batch norm, named by the path of uses. A network called twice, by
  /// contrast, uses one set for both calls. Bound: four dense layers and two batch norms
  /// in sequence, each as above: atol 1e-4.
  @Test func nestedBlocksAndSharedNetworks() throws {
    let model = try loadModel(
      layerModel(
        """
        dim F = 4
        noise x: [B, F] = normal(0, 1)
        noise x2: [B, F] = normal(0, 1)
        block inner(h: [B, F]) -> [B, F] {
          let z = h |> dense(F)
          h + tanh(z)
        }
        block outer(h: [B, F]) -> [B, F] {
          let a = h |> inner
          a |> inner |> batch_norm
        }
        net N(x: [B, F]) -> [B, F] {
          x |> outer |> outer
        }
        let v = N(x)
        let shared = concat(N(x), N(x2))
        """, batch: 5))
    var names: [String] = []
    for o in 0..<2 {
      for i in 0..<2 { names += ["weight", "bias"].map { "N.outer_\(o).inner_\(i).dense_0.\($0)" } }
      names += ["scale", "shift", "running_mean", "running_var"].map { "N.outer_\(o).batch_norm_0.\($0)" }
    }
    #expect(try #require(model.net(named: "N")).parameters.map(\.name) == names)

    let run = try LayerRun(model, seed: 1150)
    func inner(_ h: Ref, _ o: Int, _ i: Int) -> Ref {
      let p = "N.outer_\(o).inner_\(i).dense_0."
      let z = denseReference(h, run.parameter(p + "weight"), run.parameter(p + "bias"))
      return Ref(h.shape, zip(h.data, z.data).map { $0 + Foundation.tanh($1) })
    }
    func outer(_ h: Ref, _ o: Int) -> Ref {
      let p = "N.outer_\(o).batch_norm_0."
      return batchNormReference(
        inner(inner(h, o, 0), o, 1), scale: run.parameter(p + "scale"), shift: run.parameter(p + "shift"), eps: 1e-5
      ).y
    }
    func n(_ x: Ref) -> Ref { outer(outer(x, 0), 1) }
    expectClose(try run.run(), n(run.feed("x")), atol: 1e-4, "nested blocks")

    let sharedGraph = Lowering.lowerExpression(model.bindings["shared"]!, in: model)
    let shared = try LayerRun(model, graph: sharedGraph, seed: 1151)
    let (a, b) = (n(shared.feed("x")), n(shared.feed("x2")))
    var want = Ref(zeros: [5, 8])
    for r in 0..<5 {
      for j in 0..<4 {
        want[r, j] = a[r, j]
        want[r, 4 + j] = b[r, j]
      }
    }
    // `n` reads `run`'s parameters; `shared` drew its own, so give it the same.
    for p in names { shared.setParameter(p, run.parameter(p).data.map(Float.init)) }
    expectClose(try shared.run(), want, atol: 1e-4, "one network called twice")
  }

  // MARK: - Gradients through every layer

  struct GradientCase: Sendable, CustomTestStringConvertible {
    var name: String
    var declarations: String
    var testDescription: String { name }
  }

  /// Each case declares `x` (and maybe `y`), a target `t` and a network `N`; the loss is
  /// `mse(N(x), t)` unless the declarations define `v` to use instead.
  static let gradientCases: [GradientCase] = [
    GradientCase(
      name: "gru, 2 layers, sequences",
      declarations: """
        noise x: [B, 3, 2] = normal(0, 1)
        noise t: [B, 3, 4] = normal(0, 1)
        net N(x: [B, 3, 2]) -> [B, 3, 4] { x |> gru(4, layers: 2) }
        """),
    GradientCase(
      name: "lstm, 2 layers, last state",
      declarations: """
        noise x: [B, 3, 2] = normal(0, 1)
        noise t: [B, 4] = normal(0, 1)
        net N(x: [B, 3, 2]) -> [B, 4] { x |> lstm(4, layers: 2, sequences: false) }
        """),
    GradientCase(
      name: "conv_gru2d, 2 layers",
      declarations: """
        noise x: [B, 2, 4, 4, 1] = normal(0, 1)
        noise t: [B, 4, 4, 2] = normal(0, 1)
        net N(x: [B, 2, 4, 4, 1]) -> [B, 4, 4, 2] { x |> conv_gru2d(2, layers: 2, sequences: false) }
        """),
    GradientCase(
      name: "conv1d",
      declarations: """
        noise x: [B, 6, 2] = normal(0, 1)
        noise t: [B, 3, 3] = normal(0, 1)
        net N(x: [B, 6, 2]) -> [B, 3, 3] { x |> conv1d(3, kernel: 4, stride: 2, padding: 1) }
        """),
    GradientCase(
      name: "conv2d, batch_norm, upsample",
      declarations: """
        noise x: [B, 4, 4, 2] = normal(0, 1)
        noise t: [B, 4, 4, 3] = normal(0, 1)
        net N(x: [B, 4, 4, 2]) -> [B, 4, 4, 3] {
          x |> conv2d(3, kernel: 4, stride: 2, padding: 1) |> batch_norm |> relu |> upsample(2)
        }
        """),
    GradientCase(
      name: "conv_transpose2d, avg_pool",
      declarations: """
        noise x: [B, 2, 2, 2] = normal(0, 1)
        noise t: [B, 2, 2, 3] = normal(0, 1)
        net N(x: [B, 2, 2, 2]) -> [B, 2, 2, 3] {
          x |> conv_transpose2d(3, kernel: 4, stride: 2, padding: 1) |> avg_pool(2)
        }
        """),
    GradientCase(
      name: "conv_transpose1d",
      declarations: """
        noise x: [B, 3, 2] = normal(0, 1)
        noise t: [B, 8, 2] = normal(0, 1)
        net N(x: [B, 3, 2]) -> [B, 8, 2] {
          x |> conv_transpose1d(2, kernel: 3, stride: 2, output_padding: 1)
        }
        """),
    GradientCase(
      name: "batch_norm on [B, F]",
      declarations: """
        noise x: [B, 5] = normal(0, 1)
        noise t: [B, 3] = normal(0, 1)
        net N(x: [B, 5]) -> [B, 3] { x |> dense(3) |> batch_norm(momentum: 0.2) }
        """),
    GradientCase(
      name: "layer_norm, softmax",
      declarations: """
        noise x: [B, 5] = normal(0, 1)
        noise t: [B, 4] = normal(0, 1)
        net N(x: [B, 5]) -> [B, 4] { x |> dense(4) |> layer_norm |> softmax }
        """),
    GradientCase(
      name: "embedding, flatten",
      declarations: """
        noise x: [B, 3] class(5) = uniform
        noise t: [B, 2] = normal(0, 1)
        net N(x: [B, 3] class(5)) -> [B, 2] { embedding(x, 2) |> flatten |> dense(2) }
        """),
    GradientCase(
      name: "dropout",
      declarations: """
        noise x: [B, 5] = normal(0, 1)
        noise t: [B, 2] = normal(0, 1)
        net N(x: [B, 5]) -> [B, 2] { x |> dense(8) |> dropout(0.25) |> dense(2) }
        """),
    GradientCase(
      name: "transpose, slice with negative bounds",
      declarations: """
        noise x: [B, 3, 4] = normal(0, 1)
        noise t: [B, 2, 2] = normal(0, 1)
        net N(x: [B, 3, 4]) -> [B, 2, 2] {
          let h = x |> dense(2) |> transpose(0, 2, 1)
          h[:, :, -2:]
        }
        """),
    GradientCase(
      name: "variance and std over an axis",
      declarations: """
        noise x: [B, 4, 3] = normal(0, 1)
        noise t: [B, 3] = normal(0, 1)
        net N(x: [B, 4, 3]) -> [B, 3] {
          let h = x |> dense(3)
          std(h, axis: 1) + variance(h, axis: 1) + mean(h, axis: 1)
        }
        """),
    GradientCase(
      name: "a block used twice",
      declarations: """
        noise x: [B, 4] = normal(0, 1)
        noise t: [B, 4] = normal(0, 1)
        block res(h: [B, 4]) -> [B, 4] { h + (h |> dense(4) |> tanh) }
        net N(x: [B, 4]) -> [B, 4] { x |> res |> res }
        """),
    GradientCase(
      name: "nested blocks with batch_norm",
      declarations: """
        noise x: [B, 4] = normal(0, 1)
        noise t: [B, 4] = normal(0, 1)
        block inner(h: [B, 4]) -> [B, 4] { h + (h |> dense(4) |> tanh) }
        block outer(h: [B, 4]) -> [B, 4] { h |> inner |> inner |> batch_norm }
        net N(x: [B, 4]) -> [B, 4] { x |> outer |> outer }
        """),
    GradientCase(
      name: "hinge and wasserstein",
      declarations: """
        noise x: [B, 3] = normal(0, 1)
        net N(x: [B, 3]) -> [B, 1] { x |> dense(4) |> tanh |> dense(1) }
        let v = hinge(N(x), 1) + hinge(N(x), -1) + wasserstein(N(x), 1)
        """),
  ]

  /// The step compiled as `ganc train` compiles it (differentiated and optimised), run on
  /// random inputs: every trainable parameter of N is trained, and its gradient is finite,
  /// not all zero, and right: for each parameter, its element with the largest gradient is
  /// nudged by ±h and the loss's central difference compared with the gradient. With
  /// h = 1e-3 the truncation error is ~h²·|f‴| ≲ 1e-5 and float32 rounding of a loss of
  /// size ≲ 3 contributes ~3·6e-8/2e-3 ≈ 1e-4, so the check allows 2e-4 + 2% of the
  /// gradient: far below a wrong rule's error (a lost term or factor is O(|g|)). The step
  /// runner, which pins the gradients into its own arena, gets the same gradients bit for bit.
  @Test(arguments: gradientCases)
  func gradientsFlowThroughEveryLayer(_ c: GradientCase) throws {
    let loss = c.declarations.contains("let v") ? "v" : "mse(N(x), t)"
    let model = try loadModel(layerModel(c.declarations, batch: 4, loss: loss))
    let module = try Compilation.compile(model)
    let trainable = module.parameters.filter(\.trainable).map(\.name)
    #expect(!trainable.isEmpty)
    let step = module.steps[0]
    #expect(step.parameters == trainable)
    let parameters = TensorStore(module.parameters.map { ($0.name, $0.shape) })
    ParameterInitializer.initialize(parameters, module.parameters, seed: 1200)
    let feeds = TensorStore(module.feeds.map { ($0.name, $0.shape) })
    var rng = LayerRNG(seed: 1201)
    for f in module.feeds {
      let buf = feeds.buffer(f.name)!
      let classes = model.noise(named: f.name)?.type.classes?.value
      for i in buf.indices {
        buf[i] =
          f.random
          ? Float.random(in: 0..<1, using: &rng)
          : classes.map { Float(Int.random(in: 0..<$0, using: &rng)) } ?? rng.signed(0.1...1.5)
      }
    }

    let graph = try Executable(graph: step.graph, parameters: parameters, feeds: feeds)
    func lossValue() throws -> Float {
      graph.run()
      return try #require(graph.output(TrainingStep.lossOutput)).first!
    }
    #expect(try lossValue().isFinite)
    var gradients: [String: [Float]] = [:]
    for p in step.parameters {
      gradients[p] = Array(try #require(graph.output(TrainingStep.gradientOutput(p))))
    }
    let h: Float = 1e-3
    for p in step.parameters {
      let g = gradients[p]!
      #expect(g.allSatisfy { $0.isFinite }, "\(p): non-finite gradient")
      #expect(g.contains { $0 != 0 }, "\(p): gradient all zero")
      let i = g.indices.max { abs(g[$0]) < abs(g[$1]) }!
      let buffer = parameters.buffer(p)!
      let value = buffer[i]
      buffer[i] = value + h
      let plus = try lossValue()
      buffer[i] = value - h
      let minus = try lossValue()
      buffer[i] = value
      let fd = (Double(plus) - Double(minus)) / (Double(value + h) - Double(value - h))
      #expect(
        abs(fd - Double(g[i])) <= 2e-4 + 0.02 * abs(Double(g[i])), "\(p)[\(i)]: gradient \(g[i]), difference \(fd)")
    }

    let runner = try StepRunner(
      step: step, parameters: parameters, feeds: feeds, optimizer: OptimizerState(name: "s", parameters: parameters))
    runner.run()
    for p in step.parameters {
      #expect(Array(try #require(runner.gradients.buffer(p))) == gradients[p], "\(p): the step runner's gradient")
    }
  }
}

/// `x` narrowed to `ranges` per axis, dropping the axes whose `keep` is false.
func slice(_ x: Ref, _ ranges: [Range<Int>], keep: [Bool]) -> Ref {
  var out: [Double] = []
  func walk(_ axis: Int, _ index: [Int]) {
    if axis == x.shape.count {
      out.append(x.data[x.offset(index)])
      return
    }
    for i in ranges[axis] { walk(axis + 1, index + [i]) }
  }
  walk(0, [])
  let shape = zip(ranges, keep).compactMap { $1 ? $0.count : nil }
  return Ref(shape, out)
}

/// The variance (biased) or standard deviation of `x` over `axis`, which disappears.
func moments(_ x: Ref, axis: Int, std: Bool) -> Ref {
  let outer = x.shape[..<axis].reduce(1, *)
  let n = x.shape[axis]
  let inner = x.shape[(axis + 1)...].reduce(1, *)
  var out = Ref(zeros: Array(x.shape[..<axis]) + Array(x.shape[(axis + 1)...]))
  for o in 0..<outer {
    for i in 0..<inner {
      let values = (0..<n).map { x.data[(o * n + $0) * inner + i] }
      let m = values.reduce(0, +) / Double(n)
      let v = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n)
      out.data[o * inner + i] = std ? v.squareRoot() : v
    }
  }
  return out
}
