extension Kernels {
  /// `out[o, i] = Σ_k x[o, k, i]` for `x` seen as `[outer, length, inner]`.
  ///
  /// The inner loop runs over `i` (contiguous in both tensors), so it vectorizes; the sum
  /// over `k` accumulates row by row in `out`.
  public static func sumAxis(
    outer: Int, length: Int, inner: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
  ) {
    for o in 0..<outer {
      let dst = out + o * inner
      let src = x + o * length * inner
      for i in 0..<inner { dst[i] = src[i] }
      for k in 1..<max(length, 1) {
        let row = src + k * inner
        for i in 0..<inner { dst[i] += row[i] }
      }
    }
  }

  /// `out[o, k, i] = x[o, i]` for `out` seen as `[outer, length, inner]`: the adjoint of `sumAxis`.
  public static func broadcastAxis(
    outer: Int, length: Int, inner: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
  ) {
    for o in 0..<outer {
      let src = x + o * inner
      for k in 0..<length {
        let dst = out + (o * length + k) * inner
        for i in 0..<inner { dst[i] = src[i] }
      }
    }
  }
}

extension Kernels {
  /// `out[o, i] = max_k x[o, k, i]` for `x` seen as `[outer, length, inner]`.
  public static func maxAxis(
    outer: Int, length: Int, inner: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
  ) {
    for o in 0..<outer {
      let dst = out + o * inner
      let src = x + o * length * inner
      for i in 0..<inner { dst[i] = src[i] }
      for k in 1..<max(length, 1) {
        let row = src + k * inner
        for i in 0..<inner where row[i] > dst[i] { dst[i] = row[i] }
      }
    }
  }

  /// 1 at the first `k` where `x[o, k, i]` equals `max[o, i]`, 0 elsewhere: where the
  /// maximum's gradient goes (one position per window, as PyTorch's max pooling does).
  public static func maxMask(
    outer: Int, length: Int, inner: Int, x: UnsafePointer<Float>, max: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>
  ) {
    fill(out, count: outer * length * inner, value: 0)
    for o in 0..<outer {
      for i in 0..<inner {
        let m = max[o * inner + i]
        for k in 0..<length where x[(o * length + k) * inner + i] == m {
          out[(o * length + k) * inner + i] = 1
          break
        }
      }
    }
  }
}
