/// An elementwise nonlinearity that can sit in the epilogue of a matrix product.
///
/// Every activation here has a derivative that can be computed from its *output* alone
/// (`y`), so the backward pass never needs the pre-activation buffer: relu and leaky relu
/// test the sign of `y` (the sign is preserved), tanh uses `1 - y²`, sigmoid `y (1 - y)`.
/// This lets the fused dense kernel overwrite its pre-activation in place.
public enum Activation: Hashable, Sendable, CustomStringConvertible {
  case identity
  case relu
  /// `x` for `x > 0`, `slope * x` otherwise; `slope` must be positive so the sign of the
  /// output equals the sign of the input.
  case leakyRelu(slope: Float)
  case tanh
  case sigmoid

  public var description: String {
    switch self {
    case .identity: "identity"
    case .relu: "relu"
    case .leakyRelu(let slope): "leaky_relu(\(slope))"
    case .tanh: "tanh"
    case .sigmoid: "sigmoid"
    }
  }
}
