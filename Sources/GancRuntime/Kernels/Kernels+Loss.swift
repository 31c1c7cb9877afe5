import Glibc

// Every loss is the MEAN over `count` elements (`count > 0`), accumulated in Double in a
// fixed order (see `sumDouble`) and rounded to Float once at the end. Every gradient kernel
// takes `scale`, the upstream gradient of the loss (1 for a loss that is optimised
// directly, a weight for a weighted sum of losses), and writes `scale · ∂mean/∂input`, so
// the `1/count` of the mean is already folded in. Gradient outputs may equal the
// differentiated input (`dx == logits` etc.) but must not overlap the other inputs.

extension Kernels {
  // MARK: Binary cross-entropy on logits

  /// Mean binary cross-entropy between `sigmoid(logits)` and `targets` (targets in [0, 1]).
  ///
  /// Uses the stable form `max(x, 0) − x·t + log1p(e^{−|x|})`, which never evaluates
  /// `log(0)` or an overflowing exponential: `e^{−|x|} ∈ (0, 1]`. The loss is finite for
  /// any finite logit (at ±30 it is ~1e-13 or ~30, not NaN or ∞).
  public static func bceWithLogits(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int
  ) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    let total = sumDouble(count: count) { i in
      let x = logits[i]
      return Double(bceLogitTerm(x, targets[i], expf(-x.magnitude)))
    }
    return Float(total / Double(count))
  }

  /// `dx[i] = scale · (σ(x[i]) − t[i]) / count`, the gradient of `scale · bceWithLogits`.
  ///
  /// σ is evaluated from `e^{−|x|}` (see `stableSigmoid`), which neither overflows nor
  /// loses the tiny probabilities of very negative logits.
  public static func bceWithLogitsGradient(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int, scale: Float,
    dx: UnsafeMutablePointer<Float>
  ) {
    precondition(count > 0, "mean over an empty tensor")
    let s = meanScale(scale, count)
    for i in 0..<count {
      let x = logits[i]
      dx[i] = s * (stableSigmoid(x, expf(-x.magnitude)) - targets[i])
    }
  }

  /// `bceWithLogits` and `bceWithLogitsGradient` in one pass, sharing one `expf` per
  /// element; returns the loss and writes the gradient. `dx` may equal `logits`.
  ///
  /// Bit-identical to calling the two kernels separately.
  public static func bceWithLogitsForwardBackward(
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int, scale: Float,
    dx: UnsafeMutablePointer<Float>
  ) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    let s = meanScale(scale, count)
    let total = sumDouble(count: count) { i in
      let x = logits[i]
      let t = targets[i]
      let z = expf(-x.magnitude)
      // Both values are computed before `dx[i]` is written, so `dx == logits` is safe.
      let term = bceLogitTerm(x, t, z)
      dx[i] = s * (stableSigmoid(x, z) - t)
      return Double(term)
    }
    return Float(total / Double(count))
  }

  /// One element of the stable BCE-with-logits, given `z = e^{−|x|}`.
  @inline(__always)
  static func bceLogitTerm(_ x: Float, _ t: Float, _ z: Float) -> Float {
    (x > 0 ? x : 0) - x * t + log1pf(z)
  }

  /// σ(x) given `z = e^{−|x|}`: `1/(1+z)` for `x ≥ 0` and `z/(1+z)` for `x < 0`. The second
  /// form keeps full relative precision for very negative `x`, where `1 − σ(−x)` would
  /// cancel to 0.
  @inline(__always)
  static func stableSigmoid(_ x: Float, _ z: Float) -> Float {
    (x >= 0 ? 1 : z) / (1 + z)
  }

  /// `scale / count` rounded once, so every gradient element sees the same factor.
  @inline(__always)
  static func meanScale(_ scale: Float, _ count: Int) -> Float {
    Float(Double(scale) / Double(count))
  }

  // MARK: Binary cross-entropy on probabilities

  /// The probability clamp of Keras (`epsilon = 1e-7`): keeps `log` away from 0.
  @inline(__always) static var probabilityEpsilon: Float { 1e-7 }

  /// Mean binary cross-entropy `−(t·log p + (1−t)·log(1−p))` on probabilities, with `p`
  /// clamped to `[1e-7, 1 − 1e-7]` as Keras does, so the loss is finite (at most ≈ 16.1
  /// per element) even for saturated probabilities.
  ///
  /// `log(1−p)` is evaluated as `log1p(−p)`, accurate for small `p`. NaN inputs stay NaN.
  public static func bce(
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int
  ) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    let lo = probabilityEpsilon
    let hi = 1 - probabilityEpsilon
    let total = sumDouble(count: count) { i in
      let p = Swift.min(Swift.max(probabilities[i], lo), hi)
      let t = targets[i]
      return Double(-(t * logf(p) + (1 - t) * log1pf(-p)))
    }
    return Float(total / Double(count))
  }

  /// `dx = scale · (p − t) / (p·(1 − p)) / count`, the exact derivative of
  /// `scale · bce`, written to `dx`.
  ///
  /// Where `p` lies outside the clamp range the forward loss is constant in `p`, so the
  /// gradient is 0 there — the same as differentiating Keras's `clip` — and the
  /// denominator `p(1−p)` is never smaller than about 1e-7.
  public static func bceGradient(
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int,
    scale: Float, dx: UnsafeMutablePointer<Float>
  ) {
    precondition(count > 0, "mean over an empty tensor")
    let s = meanScale(scale, count)
    let lo = probabilityEpsilon
    let hi = 1 - probabilityEpsilon
    zip(probabilities, targets, dx, count: count) { p, t in
      // Computed unconditionally and then selected, so the loop has no branch and
      // vectorizes; the discarded value may be ±∞ or NaN at p ∈ {0, 1}.
      let g = s * (p - t) / (p * (1 - p))
      return (p < lo || p > hi) ? 0 : g
    }
  }

  // MARK: Regression losses

  /// Mean squared error `Σ (a − b)² / count`. The difference and square are taken in
  /// Double, so the result is exact up to the final rounding.
  public static func mse(a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    let total = sumDouble(count: count) { i in
      let d = Double(a[i]) - Double(b[i])
      return d * d
    }
    return Float(total / Double(count))
  }

  /// `da = scale · 2(a − b) / count`, the gradient of `scale · mse` with respect to `a`
  /// (negate for `b`). `da` may equal `a` or `b`.
  public static func mseGradient(
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int, scale: Float,
    da: UnsafeMutablePointer<Float>
  ) {
    precondition(count > 0, "mean over an empty tensor")
    let s = meanScale(2 * scale, count)
    zip(a, b, da, count: count) { u, v in s * (u - v) }
  }

  /// Mean absolute error `Σ |a − b| / count`, with the difference taken in Double.
  public static func l1(a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    let total = sumDouble(count: count) { i in (Double(a[i]) - Double(b[i])).magnitude }
    return Float(total / Double(count))
  }

  /// `da = scale · sign(a − b) / count`, the gradient of `scale · l1` with respect to `a`;
  /// `sign(0) = 0` (the subgradient that leaves exact matches alone). `da` may equal `a`
  /// or `b`.
  public static func l1Gradient(
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int, scale: Float,
    da: UnsafeMutablePointer<Float>
  ) {
    precondition(count > 0, "mean over an empty tensor")
    let s = meanScale(scale, count)
    zip(a, b, da, count: count) { u, v in u > v ? s : (u < v ? -s : 0) }
  }
}

extension Kernels {
  /// The share of `logits` on the side of 0 that their `targets` (0 or 1; above 0.5 counts
  /// as 1) is on; a logit of exactly 0 counts as predicting 0.
  public static func accuracy(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int) -> Float {
    guard count > 0 else { return .nan }
    var right = 0
    for i in 0..<count where (logits[i] > 0) == (targets[i] > 0.5) { right += 1 }
    return Float(right) / Float(count)
  }
}
