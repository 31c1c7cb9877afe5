import GancIR

/// Adam's state for one optimizer: first and second moments laid out like the parameter
/// arena, and each parameter's update count (its `t` for bias correction).
///
/// Steps that name the same optimizer (`using opt`) share one state, as two Keras models
/// compiled with the same optimizer object do; a step with an optimizer of its own has its
/// own state.
public final class OptimizerState {
  public let name: String
  public let firstMoment: TensorArena
  public let secondMoment: TensorArena
  /// Updates applied to each parameter, in the parameter store's order.
  public var updateCounts: [Int]
  let parameterIndex: [String: Int]

  public init(name: String, parameters: TensorStore) {
    self.name = name
    firstMoment = TensorArena(count: parameters.arena.count)
    secondMoment = TensorArena(count: parameters.arena.count)
    updateCounts = Array(repeating: 0, count: parameters.names.count)
    parameterIndex = Dictionary(uniqueKeysWithValues: parameters.names.enumerated().map { ($1, $0) })
  }
}

/// Runs one training step: forward and backward through its compiled graph, then Adam on
/// the parameters it trains (unless its condition on the loss says not to).
///
/// Gradients are written by the graph straight into one flat arena laid out like the
/// parameters they belong to, so Adam is one pass per contiguous run of parameters (one
/// per trained network), over memory that is already hot.
public final class StepRunner {
  public let step: TrainingStep
  public let executable: Executable
  public let gradients: TensorStore
  public let optimizer: OptimizerState
  /// Whether the last run applied its update (false when its condition did not hold).
  public private(set) var lastUpdated = false
  private let parameters: TensorStore
  /// Contiguous runs: (offset in the parameter arena, offset in the gradient arena, length,
  /// indices of the parameters in the run).
  private let runs: [(Int, Int, Int, Range<Int>)]
  private let parameterIndices: [Int]

  public init(step: TrainingStep, parameters: TensorStore, feeds: TensorStore, optimizer: OptimizerState)
    throws(RuntimeError)
  {
    self.step = step
    self.parameters = parameters
    self.optimizer = optimizer
    var shapes: [(name: String, shape: [Int])] = []
    for p in step.parameters {
      guard let slot = parameters.slots[p] else {
        throw RuntimeError("step \(step.name) trains unknown parameter \(p)")
      }
      shapes.append((p, slot.shape))
    }
    let gradients = TensorStore(shapes)
    self.gradients = gradients
    var pinned: [String: UnsafeMutablePointer<Float>] = [:]
    for p in step.parameters {
      pinned[TrainingStep.gradientOutput(p)] = gradients.pointer(p)!
    }
    // An output named like a feed is handed to a later step through that feed.
    for (name, _) in step.graph.outputs {
      if let p = feeds.pointer(name) { pinned[name] = p }
    }
    self.executable = try Executable(graph: step.graph, parameters: parameters, feeds: feeds, pinned: pinned)

    parameterIndices = step.parameters.map { optimizer.parameterIndex[$0]! }
    var runs: [(Int, Int, Int, Range<Int>)] = []
    for (k, p) in step.parameters.enumerated() {
      let ps = parameters.slots[p]!
      let gs = gradients.slots[p]!
      if let last = runs.last, last.0 + last.2 == ps.offset, last.1 + last.2 == gs.offset {
        runs[runs.count - 1].2 += ps.count
        runs[runs.count - 1].3 = last.3.lowerBound..<(k + 1)
      } else {
        runs.append((ps.offset, gs.offset, ps.count, k..<(k + 1)))
      }
    }
    self.runs = runs
  }

  /// One forward/backward pass and, if the step's condition holds, one Adam update;
  /// returns the loss.
  @discardableResult
  public func run() -> Float {
    executable.run()
    let loss = self.loss
    lastUpdated = step.condition?.holds(for: loss) ?? true
    guard lastUpdated else { return loss }
    let o = step.optimizer
    for (pOff, gOff, n, members) in runs {
      let first = optimizer.updateCounts[parameterIndices[members.lowerBound]]
      if members.allSatisfy({ optimizer.updateCounts[parameterIndices[$0]] == first }) {
        adam(pOff, gOff, n, step: first + 1, o)
      } else {
        // Parameters whose counts differ (a shared optimizer that updated only some of
        // them before) are updated one by one, each with its own bias correction.
        var p = pOff
        var g = gOff
        for m in members {
          let c = parameters.slots[step.parameters[m]]!.count
          adam(p, g, c, step: optimizer.updateCounts[parameterIndices[m]] + 1, o)
          p += c
          g += c
        }
      }
      for m in members { optimizer.updateCounts[parameterIndices[m]] += 1 }
    }
    return loss
  }

  private func adam(_ pOff: Int, _ gOff: Int, _ n: Int, step t: Int, _ o: AdamConfig) {
    Kernels.adam(
      parameters: parameters.arena.base + pOff, gradients: gradients.arena.base + gOff,
      firstMoment: optimizer.firstMoment.base + pOff, secondMoment: optimizer.secondMoment.base + pOff, count: n,
      learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, step: t)
  }

  /// The loss from the last run.
  public var loss: Float { executable.output(TrainingStep.lossOutput)?.first ?? .nan }
}

/// Sets parameters to their initial values, each from its own stream so adding a network
/// does not change how the others start.
public enum ParameterInitializer {
  public static func initialize(_ store: TensorStore, _ decls: [ParameterDecl], seed: UInt64) {
    for d in decls {
      guard let buf = store.buffer(d.name) else { continue }
      switch d.initializer {
      case .uniformFanIn(let fanIn):
        var rng = RandomStream(seed: seed, name: "init " + d.name)
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        rng.fillUniform(buf, low: -bound, high: bound)
      case .zeros:
        buf.update(repeating: 0)
      case .ones:
        buf.update(repeating: 1)
      }
    }
  }
}
