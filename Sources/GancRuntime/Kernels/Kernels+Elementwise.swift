import GancIR
import Glibc

extension Kernels {
  /// A pointwise function of one tensor.
  public enum UnaryOp: Hashable, Sendable {
    case neg, exp, log, sqrt, abs, square
  }

  /// A pointwise function of two tensors (one of which may be a broadcast scalar).
  public enum BinaryOp: Hashable, Sendable {
    case add, sub, mul, div, maximum, minimum
  }

  /// `y[i] = op(x[i])` for `i < count`; `y` may equal `x`.
  ///
  /// IEEE semantics throughout: `log` of a negative number and `sqrt` of a negative number
  /// give NaN, `log(0)` gives −∞, `sqrt(−0)` gives −0, `exp` overflows to +∞ above about
  /// 88.7. `exp` and `log` call Glibc's `expf`/`logf` (< 1 ulp); `sqrt` (correctly
  /// rounded) and `abs` vectorize.
  public static func unary(
    _ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    switch op {
    case .neg: map(x, y, count: count) { -$0 }
    case .exp: map(x, y, count: count) { expf($0) }
    case .log: map(x, y, count: count) { logf($0) }
    case .sqrt: map(x, y, count: count) { squareRoot($0) }
    case .abs: map(x, y, count: count) { $0.magnitude }
    case .square: map(x, y, count: count) { $0 * $0 }
    }
  }

  /// `dx = dy · op'(x)`, given the forward input `x` and output `y = op(x)`; `dx` may
  /// equal `dy`. Both `x` and `y` must be valid even for ops that read only one of them.
  ///
  /// Each op uses whichever of `x`/`y` is cheaper and more accurate: `exp` reuses its
  /// output (`dy·y`), `sqrt` uses `dy·0.5/y` (so `+∞` at `y == 0`, as the true derivative),
  /// `log` uses `dy/x`, `square` uses `2x·dy`. `abs` uses `dy·sign(x)` with `sign(0) = 0`,
  /// the usual subgradient choice, which keeps exact zeros from moving.
  public static func unaryBackward(
    _ op: UnaryOp, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
    y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    switch op {
    case .neg: map(dy, dx, count: count) { -$0 }
    case .exp: zip(dy, y, dx, count: count) { g, v in g * v }
    case .log: zip(dy, x, dx, count: count) { g, u in g / u }
    case .sqrt: zip(dy, y, dx, count: count) { g, v in g * 0.5 / v }
    case .abs: zip(dy, x, dx, count: count) { g, u in u > 0 ? g : (u < 0 ? -g : 0) }
    case .square: zip(dy, x, dx, count: count) { g, u in 2 * u * g }
    }
  }

  /// `out[i] = op(a[i], b[i])` for `i < count`, where `aCount` and `bCount` are each
  /// either `count` or 1; a count of 1 broadcasts that operand's single element.
  ///
  /// `out` may equal a full-size operand. Scalar operands are read once before the loop,
  /// so aliasing a scalar operand is harmless too. `maximum`/`minimum` propagate NaN from
  /// either side (like `torch.maximum`, unlike C's `fmaxf`) so that divergence is visible;
  /// on ties they return `a`. Division follows IEEE (`x/0 = ±∞`, `0/0 = NaN`).
  public static func binary(
    _ op: BinaryOp, _ a: UnsafePointer<Float>, aCount: Int, _ b: UnsafePointer<Float>,
    bCount: Int, _ out: UnsafeMutablePointer<Float>, count: Int
  ) {
    switch op {
    case .add: broadcast(a, aCount, b, bCount, out, count) { $0 + $1 }
    case .sub: broadcast(a, aCount, b, bCount, out, count) { $0 - $1 }
    case .mul: broadcast(a, aCount, b, bCount, out, count) { $0 * $1 }
    case .div: broadcast(a, aCount, b, bCount, out, count) { $0 / $1 }
    case .maximum:
      // A select chain rather than a branch: vectorizes, and the last arm is reached only
      // when the comparisons are unordered, i.e. some operand is NaN, so `u + v` is NaN.
      broadcast(a, aCount, b, bCount, out, count) { u, v in u >= v ? u : (v > u ? v : u + v) }
    case .minimum:
      broadcast(a, aCount, b, bCount, out, count) { u, v in u <= v ? u : (v < u ? v : u + v) }
    }
  }

  /// Dispatches the four broadcast shapes of `binary` to their own loops, so no loop tests
  /// the shape per element.
  @inline(__always)
  static func broadcast(
    _ a: UnsafePointer<Float>, _ aCount: Int, _ b: UnsafePointer<Float>, _ bCount: Int,
    _ out: UnsafeMutablePointer<Float>, _ count: Int, _ f: (Float, Float) -> Float
  ) {
    precondition(count >= 0, "negative count")
    precondition(aCount == count || aCount == 1, "aCount must be count or 1")
    precondition(bCount == count || bCount == 1, "bCount must be count or 1")
    if aCount == count && bCount == count {
      zip(a, b, out, count: count, f)
    } else if aCount == 1 && bCount == 1 {
      out.update(repeating: f(a[0], b[0]), count: count)
    } else if aCount == 1 {
      let s = a[0]
      map(b, out, count: count) { f(s, $0) }
    } else {
      let s = b[0]
      map(a, out, count: count) { f($0, s) }
    }
  }

  /// `y = s · x`; `y` may equal `x`.
  public static func scale(
    _ x: UnsafePointer<Float>, by s: Float, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    map(x, y, count: count) { s * $0 }
  }

  /// `y += alpha · x` (BLAS axpy), used to accumulate gradients. `x` must not overlap `y`.
  ///
  /// Computed as a separate multiply and add (no FMA), the same rounding as `scale`
  /// followed by `binary(.add)`.
  public static func axpy(
    alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int
  ) {
    precondition(count >= 0, "negative count")
    for i in 0..<count { y[i] = y[i] + alpha * x[i] }
  }

  /// `y[i] = value` for `i < count`.
  public static func fill(_ y: UnsafeMutablePointer<Float>, count: Int, value: Float) {
    precondition(count >= 0, "negative count")
    y.update(repeating: value, count: count)
  }

  /// `y[i] = x[i]` for `i < count`. Implemented with `memmove`, so any overlap is safe.
  public static func copy(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count >= 0, "negative count")
    if UnsafePointer(y) == x { return }
    y.update(from: x, count: count)
  }

  /// `y = act(x)`; `y` may equal `x`.
  ///
  /// relu and leaky relu are written so that NaN propagates (a NaN input is not `< 0`) and
  /// the output keeps the sign of the input, which `activationBackward` relies on.
  /// sigmoid is `1/(1+e^{-x})`: for very negative `x`, `e^{-x}` overflows to +∞ and the
  /// result is exactly 0, never NaN; for large positive `x` it rounds to exactly 1.
  public static func activate(
    _ act: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    switch act {
    case .identity: copy(x, y, count: count)
    case .relu: map(x, y, count: count) { relu($0) }
    case .leakyRelu(let slope): map(x, y, count: count) { leakyRelu($0, slope) }
    case .tanh: map(x, y, count: count) { tanhf($0) }
    case .sigmoid: map(x, y, count: count) { sigmoid($0) }
    }
  }

  /// `dx = dy · act'(x)`, computed from the activation's OUTPUT `y = act(x)`; `dx` may
  /// equal `dy`.
  ///
  /// relu: `dy` where `y > 0`, else 0 (the derivative at 0 is taken as 0). leaky relu with
  /// slope `s`: `dy` where `y > 0`, else `s·dy` (valid because `s > 0` keeps the sign).
  /// tanh: `dy·(1 − y²)`. sigmoid: `dy·y·(1 − y)`. identity: `dy`. Saturated outputs
  /// (`|y| == 1` for tanh, `y ∈ {0, 1}` for sigmoid) give an exact zero gradient.
  public static func activationBackward(
    _ act: Activation, dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    switch act {
    case .identity: copy(dy, dx, count: count)
    case .relu: zip(dy, y, dx, count: count) { g, v in reluGrad(g, v) }
    case .leakyRelu(let slope): zip(dy, y, dx, count: count) { g, v in leakyReluGrad(g, v, slope) }
    case .tanh: zip(dy, y, dx, count: count) { g, v in tanhGrad(g, v) }
    case .sigmoid: zip(dy, y, dx, count: count) { g, v in sigmoidGrad(g, v) }
    }
  }
}

// MARK: - Scalar activation formulas, shared by the plain and fused kernels so both round
// identically.

extension Kernels {
  @inline(__always) static func relu(_ x: Float) -> Float { x < 0 ? 0 : x }
  @inline(__always) static func leakyRelu(_ x: Float, _ s: Float) -> Float { x < 0 ? s * x : x }
  @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

  /// IEEE square root that vectorizes. On Linux `Float.squareRoot()` becomes a `sqrtf`
  /// libcall that must set `errno` for negative inputs, so LLVM guards every element with
  /// a branch and cannot vectorize the loop. The square root of `|x|` is provably free of
  /// that case and lowers to `sqrtps`; two selects then restore the IEEE results for
  /// negative inputs (NaN) and for ±0 (the zero itself). NaN inputs give NaN.
  @inline(__always) static func squareRoot(_ x: Float) -> Float {
    let r = x.magnitude.squareRoot()
    return x < 0 ? .nan : (x == 0 ? x : r)
  }

  @inline(__always) static func reluGrad(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
  @inline(__always) static func leakyReluGrad(_ g: Float, _ y: Float, _ s: Float) -> Float {
    y > 0 ? g : s * g
  }
  @inline(__always) static func tanhGrad(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
  @inline(__always) static func sigmoidGrad(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}

extension Kernels {
  /// Each row of `x` `[rows, cols]` to `e^x / Σ e^x`, with the row's maximum subtracted
  /// first so no exponential overflows (the result is the same). `y` may alias `x`.
  public static func softmax(rows: Int, cols: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
      let src = x + r * cols
      let dst = y + r * cols
      var top = -Float.infinity
      for j in 0..<cols where src[j] > top { top = src[j] }
      var total: Float = 0
      for j in 0..<cols {
        let e = expf(src[j] - top)
        dst[j] = e
        total += e
      }
      let scale = 1 / total
      for j in 0..<cols { dst[j] *= scale }
    }
  }

  /// The index of each row's largest entry (the first of ties), as a float.
  public static func argmax(rows: Int, cols: Int, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
      let src = x + r * cols
      var best = 0
      for j in 1..<max(cols, 1) where src[j] > src[best] { best = j }
      y[r] = Float(best)
    }
  }
}
