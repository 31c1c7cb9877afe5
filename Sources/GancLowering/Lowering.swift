import GancIR
import GancSema

/// Lowers a checked model to IR: one forward graph per training step (its loss), and one
/// for sampling. Network calls are inlined; every call of a network reads the same
/// parameters, so gradients from all calls add up.
public enum Lowering {
  public static func lower(_ model: Model) -> Module {
    let parameters = model.nets.flatMap { net in
      net.parameters.map { p in
        ParameterDecl(name: p.name, shape: p.shape, initializer: lowerInit(p.initializer), owner: net.name)
      }
    }
    let feeds =
      model.inputs.map { FeedDecl(name: $0.name, shape: $0.type.shape.map(\.value)) }
      + model.noises.map { FeedDecl(name: $0.name, shape: $0.type.shape.map(\.value)) }

    var steps: [TrainingStep] = []
    var phases: [Phase] = []
    for phase in model.schedule.phases {
      var indices: [Int] = []
      for step in phase.steps {
        guard let loss = model.loss(named: step.loss) else { continue }
        var l = GraphLowerer(model: model)
        let v = l.lower(loss.value)
        l.graph.outputs.append((TrainingStep.lossOutput, v))
        let trained = Set(step.nets)
        let o = step.optimizer
        indices.append(steps.count)
        steps.append(
          TrainingStep(
            name: step.name, lossName: step.loss, networks: step.nets,
            parameters: parameters.filter { trained.contains($0.owner) }.map(\.name), graph: l.graph,
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
      var l = GraphLowerer(model: model)
      let v = l.lower(s.value)
      l.graph.outputs.append((Module.sampleOutput, v))
      sample = l.graph
    }
    var metrics: Graph?
    if !model.metrics.isEmpty {
      var l = GraphLowerer(model: model)
      for m in model.metrics {
        l.graph.outputs.append((m.name, l.lower(m.value)))
      }
      metrics = l.graph
    }
    return Module(
      name: model.name, parameters: parameters, feeds: feeds, steps: steps, phases: phases, sample: sample,
      metrics: metrics)
  }

  /// Lowers one expression (for tools and tests): the graph computes output `value`.
  public static func lowerExpression(_ e: TypedExpr, in model: Model) -> Graph {
    var l = GraphLowerer(model: model)
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
  let model: Model
  var graph = Graph()
  private var sources: [Op: ValueID] = [:]
  private var bindingValues: [String: ValueID] = [:]
  private var constants: [ConstantKey: ValueID] = [:]
  private var frames: [Frame] = []

  private struct ConstantKey: Hashable {
    var value: Float
    var shape: [Int]
  }

  /// An inlined network call: its arguments and the values of its `let`s so far.
  private struct Frame {
    var net: NetSpec
    var arguments: [ValueID]
    var locals: [String: ValueID] = [:]
  }

  init(model: Model) { self.model = model }

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

  mutating func lower(_ e: TypedExpr) -> ValueID {
    switch e.kind {
    case .input(let n), .noise(let n):
      return source(.input(n), shape: e.type.shape.map(\.value))
    case .netInput(let i):
      return frames[frames.count - 1].arguments[i]
    case .local(let n):
      if let v = frames[frames.count - 1].locals[n] { return v }
      let v = lower(frames[frames.count - 1].net.locals[n]!)
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
      frames.append(Frame(net: model.net(named: name)!, arguments: values))
      let v = lower(frames[frames.count - 1].net.body)
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
    case .accuracy:
      let p = lower(args[0])
      let shape = graph.shape(of: p)
      let t = constantValue(args[1]).map { constant($0, shape: shape) } ?? lower(args[1])
      return graph.add(.accuracy, p, graph.shape(of: t) == shape ? t : graph.add(.broadcast, t, shape: shape))
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
      return graph.add(.loss(Self.loss(kind)), p, t)
    }
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

  static func loss(_ k: LossKind) -> LossFunction {
    switch k {
    case .bceLogits: .bceLogits
    case .bce: .bce
    case .mse: .mse
    case .l1: .l1
    }
  }
}
