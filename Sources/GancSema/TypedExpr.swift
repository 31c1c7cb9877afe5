import GancDiagnostics
import GancSource

/// An elementwise nonlinearity as the checker knows it (lowering maps it to the IR's).
public enum ActivationKind: Hashable, Sendable {
  case relu
  case leakyRelu(slope: Double)
  case tanh
  case sigmoid
}

/// A convolution layer's attributes.
public struct ConvolutionSpec: Hashable, Sendable {
  /// 1 for `[B, T, C]`, 2 for `[B, H, W, C]`.
  public var rank: Int
  public var transposed: Bool
  public var inChannels: Int
  public var filters: Int
  public var kernel: Int
  public var stride: Int
  public var padding: Int
  public var outputPadding: Int
  public var bias: Bool

  public init(
    rank: Int, transposed: Bool, inChannels: Int, filters: Int, kernel: Int, stride: Int, padding: Int,
    outputPadding: Int, bias: Bool
  ) {
    self.rank = rank
    self.transposed = transposed
    self.inChannels = inChannels
    self.filters = filters
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.outputPadding = outputPadding
    self.bias = bias
  }
}

/// A recurrent layer's attributes.
public struct RecurrentSpec: Hashable, Sendable {
  public enum Cell: String, Hashable, Sendable {
    /// PyTorch's GRU: reset, update and candidate gates.
    case gru
    /// PyTorch's LSTM: input, forget, cell and output gates.
    case lstm
    /// A GRU whose products are 2-D convolutions, over frames `[B, T, H, W, C]`.
    case convGRU = "conv_gru2d"
  }

  public var cell: Cell
  public var inFeatures: Int
  public var units: Int
  public var layers: Int
  /// Whether the output is every step's state (`[B, T, ...]`) or the last one's.
  public var sequences: Bool
  /// The convolution's kernel, for `convGRU`.
  public var kernel: Int

  public init(cell: Cell, inFeatures: Int, units: Int, layers: Int, sequences: Bool, kernel: Int = 0) {
    self.cell = cell
    self.inFeatures = inFeatures
    self.units = units
    self.layers = layers
    self.sequences = sequences
    self.kernel = kernel
  }

  /// Gates per cell: their products share one matrix of `gates × units` columns.
  public var gates: Int { cell == .lstm ? 4 : 3 }
}

/// A statistic over an axis.
public enum Reduction: String, Hashable, Sendable {
  case sum, mean
  /// The population variance (divided by n), as `tf.nn.moments` computes it.
  case variance
  /// The square root of `variance`.
  case std
}

/// An elementwise function with no parameters.
public enum MathFunction: String, Hashable, Sendable, CaseIterable {
  case abs, sqrt, exp, log, square
}

/// A loss function; each returns the mean over all elements.
public enum LossKind: String, Hashable, Sendable {
  /// Binary cross-entropy on logits (the numerically stable form).
  case bceLogits = "bce_logits"
  /// Binary cross-entropy on probabilities in (0, 1).
  case bce
  case mse
  case l1
  /// `mean(max(0, 1 − t · p))` for targets ±1: the hinge GAN loss.
  case hinge
  /// `mean(−t · p)` for targets ±1: the critic's loss of a Wasserstein GAN.
  case wasserstein
}

/// A built-in operation with its attributes resolved.
public enum Operation: Hashable, Sendable {
  /// `x · W + b` over the last axis. `instance` names the layer's parameters
  /// (`G.dense_0` owns `G.dense_0.weight` of shape `[inFeatures, units]` and `.bias`).
  case dense(instance: String, inFeatures: Int, units: Int, bias: Bool)
  /// A convolution (or transposed one) over `[B, H, W, C]` (`rank` 2) or `[B, T, C]` (1).
  case convolution(instance: String, ConvolutionSpec)
  /// Normalisation over every axis but the last, with learnt scale and shift; running
  /// statistics for sampling.
  case batchNorm(instance: String, momentum: Double, eps: Double)
  /// Normalisation over the last axis, with learnt scale and shift.
  case layerNorm(instance: String, eps: Double)
  /// Zeroes a fraction `rate` of the values while training (and scales the rest up).
  case dropout(instance: String, rate: Double)
  /// Each spatial position repeated `factor` times along each spatial axis.
  case upsample(factor: Int)
  /// The mean over `size`-wide windows along each spatial axis.
  case averagePool(size: Int)
  /// The maximum over `size`-wide windows along each spatial axis.
  case maxPool(size: Int)
  /// Class labels to learnt vectors: `[...] class(K) → [..., dim]`.
  case embedding(instance: String, classes: Int, dim: Int)
  /// A recurrent network over the time axis, unrolled when compiled.
  case recurrent(instance: String, RecurrentSpec)
  case activation(ActivationKind)
  /// Concatenation along an axis.
  case concat(axis: Int)
  /// Class labels `[..]` to one-hot rows `[.., classes]`.
  case oneHot(classes: Int)
  /// The same elements in the result's shape.
  case reshape
  /// The identity whose gradient is zero: a path the optimiser must not follow.
  case detach
  case negate
  case add, subtract, multiply, divide
  /// The mean or sum of all elements: a scalar.
  case mean, sum
  /// A statistic over one axis, which disappears, or over all elements (`axis` nil).
  case reduce(Reduction, axis: Int?)
  /// `length` entries of `axis` from `start`: `x[:, 1:, :]`.
  case slice(axis: Int, start: Int, length: Int)
  case math(MathFunction)
  case loss(LossKind)
  /// The share of logits on the right side of 0 for binary targets (a metric only).
  case accuracy
  /// `e^x / Σ e^x` over the last axis.
  case softmax
  /// The index of the largest entry of the last axis, as class labels (no gradient).
  case argmax
  /// The axes in a new order: result axis `i` is input axis `permutation[i]`.
  case transpose(permutation: [Int])
}

/// A checked expression: what it computes, its type, and where it came from.
public struct TypedExpr: Sendable {
  public indirect enum Kind: Sendable {
    /// A data input, by name.
    case input(String)
    /// A noise input, by name.
    case noise(String)
    /// The `i`-th input of the network whose body this is.
    case netInput(Int)
    /// A `let` inside the enclosing network's body.
    case local(String)
    /// A top-level `let`.
    case binding(String)
    case constant(Double)
    case call(net: String, arguments: [TypedExpr])
    /// One use of a `block`: its body checked for this use, with parameters of its own
    /// (named after `instance`), and its inputs bound to `arguments`.
    case block(instance: String, body: TypedExpr, locals: [String: TypedExpr], arguments: [TypedExpr])
    case operation(Operation, [TypedExpr])
  }

  public var kind: Kind
  public var type: ValueType
  public var range: SourceRange
  /// The site that fixed this value's shape, for "where did this shape come from" labels.
  public var origin: Label?

  public init(_ kind: Kind, _ type: ValueType, _ range: SourceRange, origin: Label? = nil) {
    self.kind = kind
    self.type = type
    self.range = range
    self.origin = origin
  }

  /// The direct operands.
  public var children: [TypedExpr] {
    switch kind {
    case .call(_, let args), .operation(_, let args), .block(_, _, _, let args): args
    default: []
    }
  }
}

extension Operation {
  /// The layer instance that owns this operation's parameters, if it has any.
  public var instance: String? {
    switch self {
    case .dense(let i, _, _, _), .convolution(let i, _), .batchNorm(let i, _, _), .layerNorm(let i, _),
      .embedding(let i, _, _), .recurrent(let i, _):
      i
    default: nil
    }
  }
}
