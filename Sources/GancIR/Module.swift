/// How a parameter tensor is initialised.
public enum ParameterInit: Hashable, Sendable {
  /// Uniform in `±1/sqrt(fanIn)` (PyTorch's default for linear layers).
  case uniformFanIn(Int)
  case zeros
  case ones
}

public struct ParameterDecl: Hashable, Sendable {
  public var name: String
  public var shape: [Int]
  public var initializer: ParameterInit
  /// The network that owns it.
  public var owner: String
  /// False for state the optimiser does not touch (batch norm's running statistics),
  /// which lives and is checkpointed with the parameters.
  public var trainable: Bool

  public init(name: String, shape: [Int], initializer: ParameterInit, owner: String, trainable: Bool = true) {
    self.name = name
    self.shape = shape
    self.initializer = initializer
    self.owner = owner
    self.trainable = trainable
  }

  public var elementCount: Int { shape.reduce(1, *) }
}

/// A tensor the caller fills before each run: a batch of data or of noise.
public struct FeedDecl: Hashable, Sendable {
  public var name: String
  public var shape: [Int]
  /// True for uniform [0, 1) values the compiler asked for (dropout masks), which the
  /// caller draws fresh every iteration.
  public var random: Bool

  public init(name: String, shape: [Int], random: Bool = false) {
    self.name = name
    self.shape = shape
    self.random = random
  }
}

/// Adam's settings for one step.
public struct AdamConfig: Hashable, Sendable {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float

  public init(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }
}

/// One training step: the graph computing a loss and the gradients of the parameters it
/// trains, and the optimizer that applies them.
public struct TrainingStep: Sendable {
  public var name: String
  public var lossName: String
  /// The networks trained, in the order written.
  public var networks: [String]
  /// The parameters trained, in the order of the model's parameter list.
  public var parameters: [String]
  public var graph: Graph
  public var repeatCount: Int
  public var optimizer: AdamConfig
  /// The optimizer whose state this step uses: shared by the steps with the same name.
  public var optimizerName: String
  /// The update is applied only when the loss satisfies this.
  public var condition: UpdateCondition?

  public init(
    name: String, lossName: String, networks: [String], parameters: [String], graph: Graph, repeatCount: Int,
    optimizer: AdamConfig, optimizerName: String? = nil, condition: UpdateCondition? = nil
  ) {
    self.name = name
    self.lossName = lossName
    self.networks = networks
    self.parameters = parameters
    self.graph = graph
    self.repeatCount = repeatCount
    self.optimizer = optimizer
    self.optimizerName = optimizerName ?? "step " + name
    self.condition = condition
  }

  /// The loss value's output name in `graph`.
  public static let lossOutput = "loss"
  /// The output name of a parameter's gradient.
  public static func gradientOutput(_ parameter: String) -> String { "grad \(parameter)" }
}

/// `loss > threshold` (or another comparison): when a step's update is applied.
public struct UpdateCondition: Hashable, Sendable, CustomStringConvertible {
  public enum Comparison: String, Hashable, Sendable {
    case less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
  }

  public var comparison: Comparison
  public var threshold: Float

  public init(comparison: Comparison, threshold: Float) {
    self.comparison = comparison
    self.threshold = threshold
  }

  public func holds(for loss: Float) -> Bool {
    switch comparison {
    case .less: loss < threshold
    case .greater: loss > threshold
    case .lessEqual: loss <= threshold
    case .greaterEqual: loss >= threshold
    }
  }

  public var description: String { "loss \(comparison.rawValue) \(threshold)" }
}

/// A stretch of training: `iterations` iterations of the steps listed (indices into
/// `Module.steps`), in order.
public struct Phase: Sendable {
  public var name: String
  /// Nil until the data size is known when the phase is given in epochs.
  public var iterations: Int?
  public var epochs: Int?
  public var steps: [Int]

  public init(name: String, iterations: Int?, epochs: Int?, steps: [Int]) {
    self.name = name
    self.iterations = iterations
    self.epochs = epochs
    self.steps = steps
  }
}

/// A whole model in IR: its parameters, feeds, training steps and sampling graph.
public struct Module: Sendable {
  public var name: String
  public var parameters: [ParameterDecl]
  public var feeds: [FeedDecl]
  public var steps: [TrainingStep]
  public var phases: [Phase]
  /// Computes the output named `sample` from feeds and parameters, with no gradients.
  public var sample: Graph?
  /// Computes one output per metric after each iteration's steps, with no gradients.
  public var metrics: Graph?

  public init(
    name: String, parameters: [ParameterDecl], feeds: [FeedDecl], steps: [TrainingStep], phases: [Phase]? = nil,
    sample: Graph?, metrics: Graph? = nil
  ) {
    self.name = name
    self.parameters = parameters
    self.feeds = feeds
    self.steps = steps
    self.phases = phases ?? [Phase(name: "train", iterations: nil, epochs: nil, steps: Array(steps.indices))]
    self.sample = sample
    self.metrics = metrics
  }

  public static let sampleOutput = "sample"
}
