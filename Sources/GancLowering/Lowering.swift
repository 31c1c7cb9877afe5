import GancIR
import GancSema

/// Lowers a checked model to IR: one forward graph per training step (its loss), and one
/// for sampling. Network calls are inlined; every call of a network reads the same
/// parameters, so gradients from all calls add up.
public enum Lowering {
  public static func lower(_ model: Model) -> Module {
    let parameters = model.nets.flatMap { net in
      net.parameters.map { p in
        ParameterDecl(
          name: p.name, shape: p.shape, initializer: lowerInit(p.initializer), owner: net.name, trainable: p.trainable)
      }
    }
    var randomFeeds: [FeedDecl] = []
    let feeds =
      model.inputs.map { FeedDecl(name: $0.name, shape: $0.type.shape.map(\.value)) }
      + model.noises.map { FeedDecl(name: $0.name, shape: $0.type.shape.map(\.value)) }

    var steps: [TrainingStep] = []
    var phases: [Phase] = []
    for phase in model.schedule.phases {
      var indices: [Int] = []
      for step in phase.steps {
        guard let loss = model.loss(named: step.loss) else { continue }
        var l = GraphLowerer(model: model, mode: .training(updatesState: true))
        let v = l.lower(loss.value)
        l.graph.outputs.append((TrainingStep.lossOutput, v))
        randomFeeds += l.randomFeeds
        let trained = Set(step.nets)
        let o = step.optimizer
        indices.append(steps.count)
        steps.append(
          TrainingStep(
            name: step.name, lossName: step.loss, networks: step.nets,
            parameters: parameters.filter { $0.trainable && trained.contains($0.owner) }.map(\.name), graph: l.graph,
            repeatCount: step.repeatCount,
            optimizer: AdamConfig(
              learningRate: Float(o.learningRate), beta1: Float(o.beta1), beta2: Float(o.beta2),
              epsilon: Float(o.epsilon)),
            optimizerName: step.sharedOptimizer,
            condition: step.condition.map {
              UpdateCondition(
                comparison: UpdateCondition.Comparison(rawValue: $0.comparison.rawValue)!,
                threshold: Float($0.threshold))
            }))
      }
      phases.append(Phase(name: phase.name, iterations: phase.iterations, epochs: phase.epochs, steps: indices))
    }
    var sample: Graph?
    if let s = model.schedule.sample {
      var l = GraphLowerer(model: model, mode: .inference)
      let v = l.lower(s.value)
      l.graph.outputs.append((Module.sampleOutput, v))
      sample = l.graph
    }
    var metrics: Graph?
    if !model.metrics.isEmpty {
      var l = GraphLowerer(model: model, mode: .training(updatesState: false))
      for m in model.metrics {
        l.graph.outputs.append((m.name, l.lower(m.value)))
      }
      metrics = l.graph
      randomFeeds += l.randomFeeds
    }
    var seen = Set(feeds.map(\.name))
    let allFeeds = feeds + randomFeeds.filter { seen.insert($0.name).inserted }
    return Module(
      name: model.name, parameters: parameters, feeds: allFeeds, steps: steps, phases: phases, sample: sample,
      metrics: metrics)
  }

  /// Lowers one expression (for tools and tests): the graph computes output `value`.
  public static func lowerExpression(_ e: TypedExpr, in model: Model) -> Graph {
    var l = GraphLowerer(model: model, mode: .training(updatesState: false))
    let v = l.lower(e)
    l.graph.outputs.append(("value", v))
    return l.graph
  }

  static func lowerInit(_ i: Initializer) -> ParameterInit {
    switch i {
    case .uniformFanIn(let n): .uniformFanIn(n)
    case .zeros: .zeros
    case .ones: .ones
    }
  }
}

/// Builds one graph, sharing each source, constant and `let` value within it.
struct GraphLowerer {
  /// Training graphs normalise with batch statistics (and may update the running ones)
  /// and apply dropout; inference graphs (sampling) use running statistics and no dropout.
  enum Mode {
    case training(updatesState: Bool)
    case inference
  }

  let model: Model
  let mode: Mode
  var graph = Graph()
  /// Uniform feeds this graph reads (dropout masks), one per call of a dropout layer.
  private(set) var randomFeeds: [FeedDecl] = []
  private var sources: [Op: ValueID] = [:]
  private var bindingValues: [String: ValueID] = [:]
  private var constants: [ConstantKey: ValueID] = [:]
  private var frames: [Frame] = []

  private struct ConstantKey: Hashable {
    var value: Float
    var shape: [Int]
  }

  /// An inlined network call: its arguments and the values of its `let`s so far.
  /// An inlined network call or block use: its `let`s, its arguments, and the values of
  /// its `let`s lowered so far.
  private struct Frame {
    var definitions: [String: TypedExpr]
    var arguments: [ValueID]
    var locals: [String: ValueID] = [:]
  }

  init(model: Model, mode: Mode) {
    self.model = model
    self.mode = mode
  }

  private mutating func source(_ op: Op, shape: [Int]) -> ValueID {
    if let v = sources[op] { return v }
    let v = graph.add(op, shape: shape)
    sources[op] = v
    return v
  }

  mutating func constant(_ value: Float, shape: [Int]) -> ValueID {
    let key = ConstantKey(value: value, shape: shape)
    if let v = constants[key] { return v }
    let v = graph.add(.constant(value), shape: shape)
    constants[key] = v
    return v
  }

  private func parameterShape(_ name: String) -> [Int] {
    for n in model.nets {
      if let p = n.parameters.first(where: { $0.name == name }) { return p.shape }
    }
    preconditionFailure("unknown parameter \(name)")
  }

  private mutating func parameter(_ name: String) -> ValueID {
    source(.parameter(name), shape: parameterShape(name))
  }

  private mutating func reshape(_ v: ValueID, _ shape: [Int]) -> ValueID {
    graph.shape(of: v) == shape ? v : graph.add(.reshape, v, shape: shape)
  }

  /// `v` `[n]` spread over `rows` rows: `[rows, n]`.
  private mutating func rows(_ v: ValueID, _ rows: Int) -> ValueID {
    graph.add(.broadcastAxis(axis: 0, length: rows), v)
  }

  mutating func lower(_ e: TypedExpr) -> ValueID {
    switch e.kind {
    case .input(let n), .noise(let n):
      return source(.input(n), shape: e.type.shape.map(\.value))
    case .netInput(let i):
      return frames[frames.count - 1].arguments[i]
    case .local(let n):
      if let v = frames[frames.count - 1].locals[n] { return v }
      let v = lower(frames[frames.count - 1].definitions[n]!)
      frames[frames.count - 1].locals[n] = v
      return v
    case .binding(let n):
      if let v = bindingValues[n] { return v }
      let saved = frames
      frames = []
      let v = lower(model.bindings[n]!)
      frames = saved
      bindingValues[n] = v
      return v
    case .constant(let c):
      return constant(Float(c), shape: [])
    case .call(let name, let args):
      let values = args.map { lower($0) }
      let net = model.net(named: name)!
      frames.append(Frame(definitions: net.locals, arguments: values))
      let v = lower(net.body)
      frames.removeLast()
      return v
    case .block(_, let body, let locals, let args):
      let values = args.map { lower($0) }
      frames.append(Frame(definitions: locals, arguments: values))
      let v = lower(body)
      frames.removeLast()
      return v
    case .operation(let op, let args):
      return lowerOperation(op, args, type: e.type)
    }
  }

  private func constantValue(_ e: TypedExpr) -> Float? {
    if case .constant(let c) = e.kind { return Float(c) }
    return nil
  }

  private mutating func lowerOperation(_ op: Operation, _ args: [TypedExpr], type: ValueType) -> ValueID {
    switch op {
    case .dense(let instance, _, _, let bias):
      let x = lower(args[0])
      let w = source(.parameter(instance + ".weight"), shape: parameterShape(instance + ".weight"))
      var y = graph.add(.matmul(transposeA: false, transposeB: false), x, w)
      if bias {
        let b = source(.parameter(instance + ".bias"), shape: parameterShape(instance + ".bias"))
        y = graph.add(.addBias, y, b)
      }
      return y
    case .activation(let a):
      return graph.add(.activation(Self.activation(a)), lower(args[0]))
    case .concat(let axis):
      return graph.emit(.concat(axis: axis), args.map { lower($0) })[0]
    case .slice(let axis, let start, let length):
      return graph.add(.slice(axis: axis, start: start, length: length), lower(args[0]))
    case .math(let f):
      let u: UnaryFunction =
        switch f {
        case .abs: .abs
        case .sqrt: .sqrt
        case .exp: .exp
        case .log: .log
        case .square: .square
        }
      return graph.add(.unary(u), lower(args[0]))
    case .reduce(let r, let axis):
      return lowerReduction(r, axis: axis, lower(args[0]))
    case .oneHot(let k):
      return graph.add(.oneHot(classes: k), lower(args[0]))
    case .detach:
      return graph.add(.stopGradient, lower(args[0]))
    case .reshape:
      return graph.add(.reshape, lower(args[0]), shape: type.shape.map(\.value))
    case .negate:
      return graph.add(.scale(-1), lower(args[0]))
    case .add, .subtract, .multiply, .divide:
      return lowerArithmetic(op, args[0], args[1])
    case .mean:
      return graph.add(.mean, lower(args[0]))
    case .sum:
      return graph.add(.sum, lower(args[0]))
    case .convolution(let instance, let spec):
      return lowerConvolution(instance, spec, lower(args[0]), type: type)
    case .batchNorm(let instance, let momentum, let eps):
      return lowerBatchNorm(instance, momentum: Float(momentum), eps: Float(eps), lower(args[0]))
    case .layerNorm(let instance, let eps):
      return lowerLayerNorm(instance, eps: Float(eps), lower(args[0]))
    case .dropout(let instance, let rate):
      let x = lower(args[0])
      guard case .training = mode, rate > 0 else { return x }
      let shape = graph.shape(of: x)
      let name = "random \(instance) #\(randomFeeds.filter { $0.name.hasPrefix("random \(instance) #") }.count)"
      randomFeeds.append(FeedDecl(name: name, shape: shape, random: true))
      let mask = graph.add(.dropoutMask(rate: Float(rate)), graph.add(.input(name), shape: shape))
      return graph.add(.binary(.multiply), x, mask)
    case .upsample(let f):
      // Nearest neighbour: each spatial axis gets a new axis of f copies after it, and the
      // two are joined (row-major, so position h·f + i is copy i of row h).
      let x = lower(args[0])
      let s = graph.shape(of: x)
      if s.count == 3 {
        return reshape(graph.add(.broadcastAxis(axis: 2, length: f), x), [s[0], s[1] * f, s[2]])
      }
      let widened = graph.add(.broadcastAxis(axis: 3, length: f), x)
      let both = graph.add(.broadcastAxis(axis: 2, length: f), widened)
      return reshape(both, [s[0], s[1] * f, s[2] * f, s[3]])
    case .averagePool(let k), .maxPool(let k):
      // Windows become axes of their own, which are reduced away.
      let how: ReduceKind = if case .maxPool = op { .max } else { .mean }
      let x = lower(args[0])
      let s = graph.shape(of: x)
      if s.count == 3 {
        return graph.add(.reduceAxis(how, axis: 2), reshape(x, [s[0], s[1] / k, k, s[2]]))
      }
      let t = reshape(x, [s[0], s[1] / k, k, s[2] / k, k, s[3]])
      return graph.add(.reduceAxis(how, axis: 2), graph.add(.reduceAxis(how, axis: 4), t))
    case .recurrent(let instance, let spec):
      return spec.cell == .convGRU
        ? lowerConvGRU(instance, spec, lower(args[0])) : lowerRecurrent(instance, spec, lower(args[0]))
    case .embedding(let instance, let classes, _):
      let labels = lower(args[0])
      return graph.add(
        .matmul(transposeA: false, transposeB: false), graph.add(.oneHot(classes: classes), labels),
        parameter(instance + ".table"))
    case .softmax:
      return graph.add(.softmax, lower(args[0]))
    case .transpose(let p):
      return graph.add(.transpose(permutation: p), lower(args[0]))
    case .argmax:
      return graph.add(.argmax, lower(args[0]))
    case .accuracy:
      let p = lower(args[0])
      let shape = graph.shape(of: p)
      let t = constantValue(args[1]).map { constant($0, shape: shape) } ?? lower(args[1])
      return graph.add(.accuracy, p, graph.shape(of: t) == shape ? t : graph.add(.broadcast, t, shape: shape))
    case .loss(.hinge), .loss(.wasserstein):
      // mean(max(0, 1 − t·p)) and mean(−t·p): arithmetic on ops with known derivatives.
      let p = lower(args[0])
      let tp: ValueID
      if let c = constantValue(args[1]) {
        tp = graph.add(.scale(c), p)
      } else {
        tp = graph.add(.binary(.multiply), p, lower(args[1]))
      }
      if case .loss(.wasserstein) = op { return graph.add(.scale(-1), graph.add(.mean, tp)) }
      let margin = graph.add(.binary(.subtract), constant(1, shape: []), tp)
      return graph.add(.mean, graph.add(.activation(.relu), margin))
    case .loss(let kind):
      let p = lower(args[0])
      let shape = graph.shape(of: p)
      let t: ValueID
      if let c = constantValue(args[1]) {
        t = constant(c, shape: shape)
      } else {
        let raw = lower(args[1])
        t = graph.shape(of: raw) == shape ? raw : graph.add(.broadcast, raw, shape: shape)
      }
      guard let f = Self.loss(kind) else { preconditionFailure("\(kind) is lowered as arithmetic") }
      return graph.add(.loss(f), p, t)
    }
  }

  /// Convolutions run on NHWC; a 1-D one is a 2-D one over an image of height 1.
  private mutating func lowerConvolution(_ instance: String, _ spec: ConvolutionSpec, _ input: ValueID, type: ValueType)
    -> ValueID
  {
    var x = input
    let inShape = graph.shape(of: x)
    var outShape = type.shape.map(\.value)
    if spec.rank == 1 {
      x = reshape(x, [inShape[0], 1, inShape[1], inShape[2]])
      outShape = [outShape[0], 1, outShape[1], outShape[2]]
    }
    let geometry =
      spec.rank == 2
      ? ConvGeometry(
        kernel: (spec.kernel, spec.kernel), stride: (spec.stride, spec.stride), padding: (spec.padding, spec.padding))
      : ConvGeometry(kernel: (1, spec.kernel), stride: (1, spec.stride), padding: (0, spec.padding))
    let w = parameter(instance + ".weight")
    var y =
      spec.transposed
      ? graph.add(.convTranspose(geometry), x, w, shape: outShape) : graph.add(.conv(geometry), x, w)
    if spec.bias { y = graph.add(.addBias, y, parameter(instance + ".bias")) }
    return reshape(y, type.shape.map(\.value))
  }

  /// Batch norm as arithmetic on `[rows, channels]`: while training, each channel's batch
  /// mean and variance (and the running statistics move toward them); when sampling, the
  /// running statistics. Built from ops whose derivatives are known, so it needs no rule
  /// of its own.
  private mutating func lowerBatchNorm(_ instance: String, momentum: Float, eps: Float, _ input: ValueID) -> ValueID {
    let shape = graph.shape(of: input)
    let c = shape.last!
    let r = shape.reduce(1, *) / c
    let x = reshape(input, [r, c])
    let mean: ValueID
    let variance: ValueID
    switch mode {
    case .training(let updatesState):
      mean = graph.add(.reduceAxis(.mean, axis: 0), x)
      let centered = graph.add(.binary(.subtract), x, rows(mean, r))
      variance = graph.add(.reduceAxis(.mean, axis: 0), graph.add(.unary(.square), centered))
      if updatesState {
        let runningMean = source(.state(instance + ".running_mean"), shape: [c])
        let runningVar = source(.state(instance + ".running_var"), shape: [c])
        // PyTorch keeps the unbiased variance in its running statistics.
        let u1 = graph.add(.updateState(momentum: momentum, correction: 1), mean, runningMean)
        let u2 = graph.add(
          .updateState(momentum: momentum, correction: Float(r) / Float(max(r - 1, 1))), variance, runningVar)
        graph.outputs.append(("state \(instance).running_mean \(u1)", u1))
        graph.outputs.append(("state \(instance).running_var \(u2)", u2))
      }
    case .inference:
      mean = source(.state(instance + ".running_mean"), shape: [c])
      variance = source(.state(instance + ".running_var"), shape: [c])
    }
    let std = graph.add(.unary(.sqrt), graph.add(.binary(.add), variance, constant(eps, shape: [])))
    let normalized = graph.add(
      .binary(.divide), graph.add(.binary(.subtract), x, rows(mean, r)), rows(std, r))
    let scaled = graph.add(.binary(.multiply), normalized, rows(parameter(instance + ".scale"), r))
    let y = graph.add(.addBias, scaled, parameter(instance + ".shift"))
    return reshape(y, shape)
  }

  /// `[B, n]` column range `a..<b` (a gate's share of a fused product).
  private mutating func columns(_ v: ValueID, _ a: Int, _ b: Int) -> ValueID {
    graph.add(.slice(axis: -1, start: a, length: b - a), v)
  }

  private mutating func add(_ a: ValueID, _ b: ValueID) -> ValueID { graph.add(.binary(.add), a, b) }
  private mutating func mul(_ a: ValueID, _ b: ValueID) -> ValueID { graph.add(.binary(.multiply), a, b) }
  private mutating func sub(_ a: ValueID, _ b: ValueID) -> ValueID { graph.add(.binary(.subtract), a, b) }
  private mutating func sigmoid(_ v: ValueID) -> ValueID { graph.add(.activation(.sigmoid), v) }
  private mutating func tanh(_ v: ValueID) -> ValueID { graph.add(.activation(.tanh), v) }

  /// A GRU or LSTM unrolled over time with PyTorch's equations. The input's products for
  /// every step are one matrix product `[B·T, F] · [F, gates·H]` per layer; each step adds
  /// the state's product `[B, H] · [H, gates·H]` and applies the gates. The unrolled graph
  /// is differentiated like any other, which is backpropagation through time.
  private mutating func lowerRecurrent(_ instance: String, _ spec: RecurrentSpec, _ input: ValueID) -> ValueID {
    let shape = graph.shape(of: input)
    let (b, t) = (shape[0], shape[1])
    let h = spec.units
    var x = input
    var last = x
    for l in 0..<spec.layers {
      let prefix = "\(instance).layer\(l)"
      let f = graph.shape(of: x)[2]
      let g = spec.gates * h
      let xw = graph.add(
        .addBias,
        graph.add(
          .matmul(transposeA: false, transposeB: false), reshape(x, [b * t, f]), parameter(prefix + ".input_weight")),
        parameter(prefix + ".input_bias"))
      let xs = reshape(xw, [b, t, g])
      var state = constant(0, shape: [b, h])
      var cell = constant(0, shape: [b, h])
      var outputs: [ValueID] = []
      for step in 0..<t {
        let gi = reshape(graph.add(.slice(axis: 1, start: step, length: 1), xs), [b, g])
        let gh = graph.add(
          .addBias,
          graph.add(.matmul(transposeA: false, transposeB: false), state, parameter(prefix + ".state_weight")),
          parameter(prefix + ".state_bias"))
        switch spec.cell {
        case .gru:
          let r = sigmoid(add(columns(gi, 0, h), columns(gh, 0, h)))
          let z = sigmoid(add(columns(gi, h, 2 * h), columns(gh, h, 2 * h)))
          let n = tanh(add(columns(gi, 2 * h, 3 * h), mul(r, columns(gh, 2 * h, 3 * h))))
          // h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n)
          state = add(n, mul(z, sub(state, n)))
        default:
          let gates = add(gi, gh)
          let i = sigmoid(columns(gates, 0, h))
          let fg = sigmoid(columns(gates, h, 2 * h))
          let c = tanh(columns(gates, 2 * h, 3 * h))
          let o = sigmoid(columns(gates, 3 * h, 4 * h))
          cell = add(mul(fg, cell), mul(i, c))
          state = mul(o, tanh(cell))
        }
        outputs.append(reshape(state, [b, 1, h]))
      }
      x = outputs.count == 1 ? outputs[0] : graph.emit(.concat(axis: 1), outputs)[0]
      last = state
    }
    return spec.sequences ? x : last
  }

  /// A convolutional GRU over frames `[B, T, H, W, C]`: the gates are convolutions of the
  /// frame and the state joined along the channels, so the state keeps the frame's size.
  private mutating func lowerConvGRU(_ instance: String, _ spec: RecurrentSpec, _ input: ValueID) -> ValueID {
    let shape = graph.shape(of: input)
    let (b, t, hh, ww) = (shape[0], shape[1], shape[2], shape[3])
    let f = spec.units
    let pad = spec.kernel / 2
    let geometry = ConvGeometry(kernel: (spec.kernel, spec.kernel), stride: (1, 1), padding: (pad, pad))
    var x = input
    var last = x
    for l in 0..<spec.layers {
      let prefix = "\(instance).layer\(l)"
      let c = graph.shape(of: x)[4]
      var state = constant(0, shape: [b, hh, ww, f])
      var outputs: [ValueID] = []
      for step in 0..<t {
        let frame = reshape(graph.add(.slice(axis: 1, start: step, length: 1), x), [b, hh, ww, c])
        let zr = sigmoid(
          graph.add(
            .addBias,
            graph.add(.conv(geometry), graph.emit(.concat(axis: 3), [frame, state])[0], parameter(prefix + ".gates")),
            parameter(prefix + ".gates_bias")))
        let z = columns(zr, 0, f)
        let r = columns(zr, f, 2 * f)
        let n = tanh(
          graph.add(
            .addBias,
            graph.add(
              .conv(geometry), graph.emit(.concat(axis: 3), [frame, mul(r, state)])[0], parameter(prefix + ".candidate")
            ),
            parameter(prefix + ".candidate_bias")))
        state = add(n, mul(z, sub(state, n)))
        outputs.append(reshape(state, [b, 1, hh, ww, f]))
      }
      x = outputs.count == 1 ? outputs[0] : graph.emit(.concat(axis: 1), outputs)[0]
      last = state
    }
    return spec.sequences ? x : last
  }

  /// Layer norm: each row of `[rows, features]` to mean 0 and variance 1, then scaled.
  private mutating func lowerLayerNorm(_ instance: String, eps: Float, _ input: ValueID) -> ValueID {
    let shape = graph.shape(of: input)
    let c = shape.last!
    let r = shape.reduce(1, *) / c
    let x = reshape(input, [r, c])
    let mean = graph.add(.reduceAxis(.mean, axis: 1), x)
    let centered = graph.add(.binary(.subtract), x, graph.add(.broadcastAxis(axis: 1, length: c), mean))
    let variance = graph.add(.reduceAxis(.mean, axis: 1), graph.add(.unary(.square), centered))
    let std = graph.add(.unary(.sqrt), graph.add(.binary(.add), variance, constant(eps, shape: [])))
    let normalized = graph.add(.binary(.divide), centered, graph.add(.broadcastAxis(axis: 1, length: c), std))
    let scaled = graph.add(.binary(.multiply), normalized, rows(parameter(instance + ".scale"), r))
    return reshape(graph.add(.addBias, scaled, parameter(instance + ".shift")), shape)
  }

  /// Sums and means map to one op; the variance is the mean square deviation from the
  /// mean, and the standard deviation its square root — composed of ops whose derivatives
  /// are already known, so they need no rules of their own.
  private mutating func lowerReduction(_ r: Reduction, axis: Int?, _ x: ValueID) -> ValueID {
    func reduce(_ k: ReduceKind, _ v: ValueID) -> ValueID {
      if let axis { return graph.add(.reduceAxis(k, axis: axis), v) }
      return graph.add(k == .sum ? .sum : .mean, v)
    }
    switch r {
    case .sum: return reduce(.sum, x)
    case .mean: return reduce(.mean, x)
    case .variance, .std:
      let shape = graph.shape(of: x)
      let m = reduce(.mean, x)
      let spread =
        axis.map { graph.add(.broadcastAxis(axis: $0, length: shape[$0]), m) } ?? graph.add(.broadcast, m, shape: shape)
      let d = graph.add(.binary(.subtract), x, spread)
      let v = reduce(.mean, graph.add(.unary(.square), d))
      return r == .variance ? v : graph.add(.unary(.sqrt), v)
    }
  }

  /// Arithmetic with a constant operand becomes a scale where it can.
  private mutating func lowerArithmetic(_ op: Operation, _ a: TypedExpr, _ b: TypedExpr) -> ValueID {
    if op == .multiply, let c = constantValue(a) { return graph.add(.scale(c), lower(b)) }
    if op == .multiply, let c = constantValue(b) { return graph.add(.scale(c), lower(a)) }
    if op == .divide, let c = constantValue(b), c != 0 { return graph.add(.scale(1 / c), lower(a)) }
    let x = lower(a)
    let y = lower(b)
    let f: BinaryFunction =
      switch op {
      case .add: .add
      case .subtract: .subtract
      case .multiply: .multiply
      default: .divide
      }
    return graph.add(.binary(f), x, y)
  }

  static func activation(_ a: ActivationKind) -> Activation {
    switch a {
    case .relu: .relu
    case .leakyRelu(let s): .leakyRelu(slope: Float(s))
    case .tanh: .tanh
    case .sigmoid: .sigmoid
    }
  }

  /// The IR loss for a checked one; nil for the hinge and Wasserstein losses, which are
  /// lowered as arithmetic.
  static func loss(_ k: LossKind) -> LossFunction? {
    switch k {
    case .bceLogits: .bceLogits
    case .bce: .bce
    case .mse: .mse
    case .l1: .l1
    case .hinge, .wasserstein: nil
    }
  }
}
