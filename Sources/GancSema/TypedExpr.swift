import GancDiagnostics
import GancSource

/// An elementwise nonlinearity as the checker knows it (lowering maps it to the IR's).
public enum ActivationKind: Hashable, Sendable {
  case relu
  case leakyRelu(slope: Double)
  case tanh
  case sigmoid
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
}

/// A built-in operation with its attributes resolved.
public enum Operation: Hashable, Sendable {
  /// `x · W + b` over the last axis. `instance` names the layer's parameters
  /// (`G.dense_0` owns `G.dense_0.weight` of shape `[inFeatures, units]` and `.bias`).
  case dense(instance: String, inFeatures: Int, units: Int, bias: Bool)
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
    case .call(_, let args), .operation(_, let args): args
    default: []
    }
  }
}
