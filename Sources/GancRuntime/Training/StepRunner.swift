import GancIR

/// Runs one training step: forward and backward through its compiled graph, then Adam on
/// the parameters it trains.
///
/// Gradients are written by the graph straight into one flat arena laid out like the
/// parameters they belong to, so Adam is one pass per contiguous run of parameters (one
/// per trained network), over memory that is already hot.
public final class StepRunner {
  public let step: TrainingStep
  public let executable: Executable
  public let gradients: TensorStore
  public let firstMoment: TensorArena
  public let secondMoment: TensorArena
  /// Adam's step count `t` (for bias correction); saved in checkpoints.
  public var updateCount: Int = 0
  private let parameters: TensorStore
  /// Contiguous runs: (offset in the parameter arena, offset in the gradient arena, length).
  private let runs: [(Int, Int, Int)]

  public init(step: TrainingStep, parameters: TensorStore, feeds: TensorStore) throws(RuntimeError) {
    self.step = step
    self.parameters = parameters
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
    self.firstMoment = TensorArena(count: gradients.arena.count)
    self.secondMoment = TensorArena(count: gradients.arena.count)

    var runs: [(Int, Int, Int)] = []
    for p in step.parameters {
      let ps = parameters.slots[p]!
      let gs = gradients.slots[p]!
      if let last = runs.last, last.0 + last.2 == ps.offset, last.1 + last.2 == gs.offset {
        runs[runs.count - 1].2 += ps.count
      } else {
        runs.append((ps.offset, gs.offset, ps.count))
      }
    }
    self.runs = runs
  }

  /// One forward/backward pass and one Adam update; returns the loss.
  @discardableResult
  public func run() -> Float {
    executable.run()
    updateCount += 1
    let o = step.optimizer
    for (pOff, gOff, n) in runs {
      Kernels.adam(
        parameters: parameters.arena.base + pOff, gradients: gradients.arena.base + gOff,
        firstMoment: firstMoment.base + gOff, secondMoment: secondMoment.base + gOff, count: n,
        learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, step: updateCount)
    }
    return loss
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
