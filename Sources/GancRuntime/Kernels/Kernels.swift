import GancIR

/// The CPU kernels of the ganc runtime: a namespace of static functions over raw buffers.
///
/// Conventions shared by every kernel:
/// - Tensors are float32, row-major and contiguous; a matrix with `rows × cols` elements
///   has element `[r, c]` at offset `r * cols + c`. Counts are `Int` and must be
///   non-negative; buffers must hold at least as many elements as the counts imply.
///   These invariants are checked with `precondition` in debug builds only — release
///   builds of the runtime use `-Ounchecked`, where a violation is undefined behaviour.
/// - Kernels never allocate: the executor plans every buffer ahead of time.
/// - Inputs and outputs must not partially overlap. Exact aliasing (output pointer equal
///   to an input pointer) is allowed wherever a kernel documents it, and is detected at
///   run time so the in-place case gets its own loop: LLVM's run-time overlap check
///   treats identical ranges as a conflict and would otherwise fall back to scalar code.
/// - Reductions that produce a scalar (losses, `sum`, `mean`) accumulate in `Double` in a
///   fixed order, so results are deterministic run to run and do not depend on threads.
/// - Swift does not reassociate or contract floating-point arithmetic, so fused kernels
///   perform exactly the same float operations, in the same order, as the unfused
///   sequence they replace and give bit-identical results; the tests rely on this.
public enum Kernels {}

// MARK: - Loop skeletons shared by the kernels

extension Kernels {
  /// `y[i] = f(x[i])`; `y` may equal `x`.
  ///
  /// Every caller passes a closure literal; `@inline(__always)` makes both this skeleton
  /// and the closure disappear into a plain loop that LLVM can vectorize. In the aliased
  /// branch the loop reads through `y` itself, so LLVM sees one base pointer with a
  /// dependence distance of zero and needs no run-time overlap check.
  @inline(__always)
  static func map(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
    _ f: (Float) -> Float
  ) {
    precondition(count >= 0, "negative count")
    if UnsafePointer(y) == x {
      for i in 0..<count { y[i] = f(y[i]) }
    } else {
      for i in 0..<count { y[i] = f(x[i]) }
    }
  }

  /// `out[i] = f(a[i], b[i])`; `out` may equal `a` or `b` (see `map` for why the aliased
  /// cases get their own loops).
  @inline(__always)
  static func zip(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
    count: Int, _ f: (Float, Float) -> Float
  ) {
    precondition(count >= 0, "negative count")
    if UnsafePointer(out) == a {
      for i in 0..<count { out[i] = f(out[i], b[i]) }
    } else if UnsafePointer(out) == b {
      for i in 0..<count { out[i] = f(a[i], out[i]) }
    } else {
      for i in 0..<count { out[i] = f(a[i], b[i]) }
    }
  }

  /// `Σ_i term(i)` in `Double` with four independent accumulators.
  ///
  /// Four chains hide the latency of the floating-point adds (and let the SLP vectorizer
  /// pack them) while keeping the summation order fixed, hence deterministic. The error
  /// is at most about `count · 2⁻⁵³ · Σ|term|`, far below float32 resolution for any
  /// tensor that fits in memory.
  @inline(__always)
  static func sumDouble(count: Int, _ term: (Int) -> Double) -> Double {
    precondition(count >= 0, "negative count")
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var i = 0
    while i &+ 4 <= count {
      s0 += term(i)
      s1 += term(i &+ 1)
      s2 += term(i &+ 2)
      s3 += term(i &+ 3)
      i &+= 4
    }
    while i < count {
      s0 += term(i)
      i &+= 1
    }
    return (s0 + s1) + (s2 + s3)
  }
}
