import GancSource

/// A checked model: every name resolved, every value typed, every option validated.
///
/// This is what lowering consumes. It is produced only when checking found no errors.
public struct Model: Sendable {
  public var name: String
  /// Declared dimensions in declaration order, with their values.
  public var dimensions: [DimensionInfo]
  public var batchDimension: String
  public var dataSets: [DataSetSpec]
  public var inputs: [InputSpec]
  public var noises: [NoiseSpec]
  public var nets: [NetSpec]
  /// Top-level `let` bindings, referenced by name from losses and samples.
  public var bindings: [String: TypedExpr]
  public var losses: [LossSpec]
  /// Values logged beside the losses and never trained (`metric acc = accuracy(D(x), 1)`).
  public var metrics: [LossSpec]
  public var schedule: Schedule

  public func net(named n: String) -> NetSpec? { nets.first { $0.name == n } }
  public func loss(named n: String) -> LossSpec? { losses.first { $0.name == n } }
  public func input(named n: String) -> InputSpec? { inputs.first { $0.name == n } }
  public func noise(named n: String) -> NoiseSpec? { noises.first { $0.name == n } }

  /// The declared value of every dimension, for evaluating dimension expressions.
  public var dimensionValues: [String: Int] {
    Dictionary(uniqueKeysWithValues: dimensions.map { ($0.name, $0.value) })
  }

  public var batchSize: Int { dimensionValues[batchDimension] ?? 1 }
}

public struct DimensionInfo: Sendable {
  public var name: String
  public var value: Int
  public var expr: DimExpr
  public var isBatch: Bool
  public var range: SourceRange
}

/// A `data` declaration: where its rows come from.
public struct DataSetSpec: Sendable {
  public var name: String
  public var source: DataSource
  public var range: SourceRange

  /// The number of columns, when known without reading a file.
  public var staticColumnCount: Int? { source.columnCount }

  /// Values per time step when rows are sequences of records (`sequences`, `sines`): the
  /// unit of `.fields(...)`; nil for other sets.
  public var fieldsPerStep: Int? {
    switch source {
    case .sequences(_, _, let columns, _, _): columns.count
    case .sines(_, _, let features): features
    default: nil
    }
  }
}

/// The kinds of data a model can train on.
public enum DataSource: Sendable, Hashable {
  /// A CSV file of numbers (a header is allowed); `path` as written, relative to the model.
  case csv(path: String)
  /// Fashion-MNIST-style IDX files (gzip or raw): one row per item, its values flattened,
  /// then the label when a label file is given.
  case idx(images: String, labels: String?)
  /// Windows of `length` values cut every `stride` from one column of a CSV file.
  case windows(path: String, column: Int, length: Int, stride: Int, normalize: WindowNormalization)
  /// Rows of a CSV file grouped by a key column and cut into sequences of `length` steps;
  /// each row of the set is one sequence, time-major (step 0's columns, step 1's, ...).
  case sequences(path: String, key: String, columns: [String], length: Int, stride: Int)
  /// A built-in 2-D Gaussian mixture (`ring8`, `grid25`), sampled fresh every batch.
  case mixture(MixtureKind, std: Double)
  /// TimeGAN's sine sequences: `count` rows of `length` steps × `features`, in [0, 1].
  case sines(count: Int, length: Int, features: Int)
  /// 8×8 digits moving on a `canvas`² canvas: `frames` frames and then the next frame.
  case movingDigits(digits: String, count: Int, frames: Int, canvas: Int)

  public var columnCount: Int? {
    switch self {
    case .csv, .idx: nil
    case .windows(_, _, let length, _, _): length
    case .sequences(_, _, let columns, let length, _): columns.count * length
    case .mixture: 2
    case .sines(_, let length, let features): length * features
    case .movingDigits(_, _, let frames, let canvas): (frames + 1) * canvas * canvas
    }
  }
}

/// How a window of a series is scaled.
public enum WindowNormalization: String, Sendable, Hashable, CaseIterable {
  case none
  /// The whole series onto [-1, 1].
  case minmax
  /// The whole series to mean 0, standard deviation 1.
  case zscore
  /// Each window onto [-1, 1].
  case window_minmax
}

public enum MixtureKind: String, Sendable, CaseIterable {
  case ring8, grid25

  /// The PacGAN protocol's standard deviation for each mixture.
  public var defaultStd: Double { self == .ring8 ? 0.01 : 0.05 }
}

/// A linear map from one interval onto another, e.g. pixel values `0...16 → -1...1`.
public struct LinearMap: Sendable, Hashable {
  public var from: ClosedRange<Double>
  public var to: ClosedRange<Double>
}

/// `input NAME: TYPE = DATA.columns(...)`: one tensor per batch, read from a data set.
public struct InputSpec: Sendable {
  public var name: String
  public var type: ValueType
  public var dataSet: String
  /// The columns read, in order; their count equals the elements per example.
  public var columns: [Int]
  public var scale: LinearMap?
  public var range: SourceRange
}

public enum NoiseDistribution: Sendable, Hashable {
  case normal(mean: Double, std: Double)
  case uniform(low: Double, high: Double)
  /// Class labels drawn uniformly from `0..<classes` (the type's class count).
  case uniformClasses
}

/// `noise NAME: TYPE = DISTRIBUTION`: drawn once per training iteration.
public struct NoiseSpec: Sendable {
  public var name: String
  public var type: ValueType
  public var distribution: NoiseDistribution
  public var range: SourceRange
}

/// A network: typed inputs, a body of layers, and the parameters its layers own.
public struct NetSpec: Sendable {
  public var name: String
  public var inputs: [(name: String, type: ValueType)]
  public var output: ValueType
  /// The body's result, in terms of `.netInput` and `.local` references.
  public var body: TypedExpr
  /// Local `let` bindings of the body by name.
  public var locals: [String: TypedExpr]
  /// Every parameter tensor of the layers written in this network's body, in order.
  public var parameters: [ParameterSpec]
  public var range: SourceRange
  public var nameRange: SourceRange
}

/// How a parameter tensor starts.
public enum Initializer: Sendable, Hashable {
  /// Uniform in `±1/sqrt(fanIn)`, PyTorch's default for `Linear` weights and biases.
  case uniformFanIn(fanIn: Int)
  case zeros
  case ones
}

public struct ParameterSpec: Sendable, Hashable {
  /// A qualified name such as `G.dense_1.weight`; unique in the model.
  public var name: String
  public var shape: [Int]
  public var initializer: Initializer
  /// False for state the optimiser does not touch (batch norm's running statistics).
  public var trainable: Bool = true

  public init(name: String, shape: [Int], initializer: Initializer, trainable: Bool = true) {
    self.name = name
    self.shape = shape
    self.initializer = initializer
    self.trainable = trainable
  }
}

public struct LossSpec: Sendable {
  public var name: String
  public var value: TypedExpr
  public var range: SourceRange
  public var nameRange: SourceRange
}

/// Adam's settings (PyTorch's defaults unless written).
public struct OptimizerSpec: Sendable, Hashable {
  public var learningRate: Double = 1e-3
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var epsilon: Double = 1e-8

  public init() {}
}

/// `step NAME: minimize LOSS wrt NETS repeat N using OPTIMIZER when CONDITION`.
public struct StepSpec: Sendable {
  public var name: String
  public var loss: String
  public var nets: [String]
  public var repeatCount: Int
  public var optimizer: OptimizerSpec
  /// The named optimizer whose state this step shares (`using NAME`); nil when the step
  /// has an optimizer of its own.
  public var sharedOptimizer: String?
  /// The update is applied only when this holds for the step's loss.
  public var condition: StepCondition?
  public var range: SourceRange
}

/// `when d_loss > 0.15`: a comparison of the step's own loss with a number.
public struct StepCondition: Sendable, Hashable {
  public enum Comparison: String, Sendable, Hashable {
    case less = "<", greater = ">", lessEqual = "<=", greaterEqual = ">="
  }

  public var comparison: Comparison
  public var threshold: Double

  public func holds(for value: Double) -> Bool {
    switch comparison {
    case .less: value < threshold
    case .greater: value > threshold
    case .lessEqual: value <= threshold
    case .greaterEqual: value >= threshold
    }
  }
}

/// A stretch of training with its own steps: `phase joint { steps 2000  step ... }`. A
/// training block without phases is one phase named `train`.
public struct PhaseSpec: Sendable {
  public var name: String
  /// Iterations; nil when `epochs` is given instead (resolved once the data size is known).
  public var iterations: Int?
  public var epochs: Int?
  public var steps: [StepSpec]
  public var range: SourceRange
}

/// How generated samples are shown beside their CSV.
public enum SampleView: Sendable, Hashable {
  case table
  /// A grid of grayscale images of `height × width`, values in `range`.
  case image(height: Int, width: Int, low: Double, high: Double)
  /// A scatter plot of 2-D points.
  case scatter
  /// Line plots of the first few samples, each a series (its values flattened in order).
  case series
}

public struct SampleSpec: Sendable {
  public var value: TypedExpr
  public var interval: Int?
  public var count: Int
  public var view: SampleView
  public var range: SourceRange
}

/// The `train` block, resolved.
public struct Schedule: Sendable {
  public var seed: UInt64
  /// Run in order; each runs its steps, in order, every iteration.
  public var phases: [PhaseSpec]
  /// Optimizers declared by name, whose state the steps `using` them share.
  public var optimizers: [String: OptimizerSpec]
  public var logInterval: Int
  public var checkpointInterval: Int?
  public var sample: SampleSpec?

  /// Every step of every phase, in order.
  public var steps: [StepSpec] { phases.flatMap(\.steps) }
}
