import COpenBLAS

extension Kernels {
  /// `C = alpha · op(A) · op(B) + beta · C` for row-major matrices, where `op(X)` is `X`
  /// or its transpose; `C` is `m × n`, `op(A)` is `m × k` and `op(B)` is `k × n`.
  ///
  /// Leading dimensions are row strides in elements: `A` is stored as `m × k` (`k × m`
  /// when `transposeA`) with `lda` at least its column count, likewise `B` and `ldb`, and
  /// `ldc ≥ n`. `C` must not overlap `A` or `B`.
  ///
  /// Numerics follow BLAS: when `beta == 0`, `C` is overwritten without being read, so
  /// stale NaNs in the output buffer do not leak through. Each element is a float32 dot
  /// product of length `k`, with error bounded by roughly `k · ε · Σ|a||b|` (OpenBLAS
  /// accumulates in float32 and may use FMA). Degenerate shapes are handled here rather
  /// than passed to OpenBLAS, whose argument checks reject `lda == 0` when `k == 0`.
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 0
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "negative gemm dimension")
    precondition(lda >= max(1, transposeA ? m : k), "lda too small")
    precondition(ldb >= max(1, transposeB ? k : n), "ldb too small")
    precondition(ldc >= max(1, n), "ldc too small")
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
      // The product contributes nothing; only C's scaling remains.
      for r in 0..<m {
        let row = c + r &* ldc
        if beta == 0 {
          row.update(repeating: 0, count: n)
        } else if beta != 1 {
          for j in 0..<n { row[j] = beta * row[j] }
        }
      }
      return
    }
    if threads > 0, openblas_get_num_threads() != Int32(threads) {
      openblas_set_num_threads(Int32(threads))
    }
    cblas_sgemm(
      CblasRowMajor,
      transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      blasint(m), blasint(n), blasint(k),
      alpha, a, blasint(lda),
      b, blasint(ldb),
      beta, c, blasint(ldc))
  }

  /// Sets the number of threads OpenBLAS uses for subsequent calls (process-wide).
  ///
  /// The shapes ganc trains (batch 64, widths up to about 1024) are small enough that
  /// thread start-up can outweigh the work; the executor picks the count once at start.
  /// Values below 1 are treated as 1.
  public static func setThreadCount(_ n: Int) {
    openblas_set_num_threads(Int32(clamping: max(1, n)))
  }

  /// The thread count OpenBLAS uses now.
  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  /// Threads worth spending on a product of `m × k` by `k × n`. Below about a quarter of a
  /// million multiply-adds, handing work to a second thread costs more than it saves:
  /// measured on this project's 2-core machine, TimeGAN's recurrent steps (64×24 by 24×72)
  /// ran twice as fast on one thread, while the toy GAN's 64×128 by 128×128 products ran
  /// 1.9 times as fast on two.
  public static func threads(forProductOf m: Int, _ n: Int, _ k: Int, upTo maximum: Int) -> Int {
    m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k).partialValue >= 250_000
      ? maximum : 1
  }
}
