import Glibc

extension Kernels {
  /// One Adam step (Kingma & Ba), in the exact form of PyTorch's `torch.optim.Adam`
  /// without weight decay or amsgrad, updating `parameters`, `firstMoment` and
  /// `secondMoment` in place in a single pass:
  ///
  ///     m ← β₁·m + (1 − β₁)·g
  ///     v ← β₂·v + (1 − β₂)·g²
  ///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
  ///
  /// `step` is t, the 1-based number of this update (the moments start at zero, and the
  /// bias corrections undo that start). Like PyTorch, ε is added after the bias
  /// correction of √v, so it keeps the same meaning at every step. The corrections are
  /// computed in Double once per call, as PyTorch does on the host; the per-element
  /// arithmetic is float32. The four buffers must not overlap one another.
  public static func adam(
    parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
    count: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, step: Int
  ) {
    precondition(count >= 0, "negative count")
    precondition(step >= 1, "Adam steps are numbered from 1")
    let correction1 = 1 - pow(Double(beta1), Double(step))
    let correction2 = 1 - pow(Double(beta2), Double(step))
    let stepSize = Float(Double(learningRate) / correction1)
    let correction2Sqrt = Float(correction2.squareRoot())
    let b1 = beta1
    let b2 = beta2
    let c1 = 1 - beta1
    let c2 = 1 - beta2
    for i in 0..<count {
      let g = gradients[i]
      let m = b1 * firstMoment[i] + c1 * g
      let v = b2 * secondMoment[i] + c2 * (g * g)
      firstMoment[i] = m
      secondMoment[i] = v
      // v ≥ 0 by construction, so √|v| = √v; taking the magnitude lets LLVM drop the errno
      // branch of `sqrtf` and vectorize the loop (see `squareRoot(_:)`).
      let denominator = v.magnitude.squareRoot() / correction2Sqrt + epsilon
      parameters[i] = parameters[i] - stepSize * (m / denominator)
    }
  }
}
