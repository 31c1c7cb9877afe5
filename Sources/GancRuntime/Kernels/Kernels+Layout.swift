// Data movement along the last (fastest-varying) axis, and whole-tensor reductions.
// Each row of a row-major matrix is contiguous, so every kernel here works row by row
// on contiguous runs (memmove for copies, a vectorizable loop for accumulation).

extension Kernels {
  /// Concatenates `rows × cols_i` matrices along the last axis into `out`
  /// (`rows × Σ cols_i`): row `r` of `out` is row `r` of each input, in order.
  ///
  /// Inputs must not overlap `out`. The input list is iterated once per input, not per
  /// row, so the array is only touched outside the copy loops.
  public static func concatLastAxis(
    rows: Int, inputs: [(pointer: UnsafePointer<Float>, cols: Int)],
    out: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0, "negative dimension")
    var total = 0
    for input in inputs {
      precondition(input.cols >= 0, "negative dimension")
      total &+= input.cols
    }
    var offset = 0
    for input in inputs {
      let cols = input.cols
      if cols > 0 {
        for r in 0..<rows {
          (out + (r &* total &+ offset)).update(from: input.pointer + r &* cols, count: cols)
        }
      }
      offset &+= cols
    }
  }

  /// `out[r, j] = source[r, start + j]` for `j < length`: columns `start ..< start+length`
  /// of a `rows × sourceCols` matrix, as a `rows × length` matrix.
  /// Requires `0 ≤ start`, `start + length ≤ sourceCols`; `out` must not overlap `source`.
  public static func sliceLastAxis(
    rows: Int, sourceCols: Int, start: Int, length: Int, source: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0 && length >= 0 && start >= 0, "negative dimension")
    precondition(start + length <= sourceCols, "slice out of bounds")
    guard length > 0 else { return }
    for r in 0..<rows {
      (out + r &* length).update(from: source + (r &* sourceCols &+ start), count: length)
    }
  }

  /// The adjoint of `sliceLastAxis`: `out[r, start + j] += x[r, j]`, where `out` is
  /// `rows × sourceCols` and `x` is `rows × length`. Other columns of `out` are untouched,
  /// so several slices' gradients can accumulate into one buffer (zero it first).
  /// Requires `0 ≤ start`, `start + length ≤ sourceCols`; `x` must not overlap `out`.
  public static func addSliceLastAxis(
    rows: Int, sourceCols: Int, start: Int, length: Int, x: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0 && length >= 0 && start >= 0, "negative dimension")
    precondition(start + length <= sourceCols, "slice out of bounds")
    for r in 0..<rows {
      let dst = out + (r &* sourceCols &+ start)
      let src = x + r &* length
      for j in 0..<length { dst[j] = dst[j] + src[j] }
    }
  }

  /// Writes the `count × classes` one-hot encoding of `labels` into `out`:
  /// `out[i, c] = 1` if `c == labels[i]`, else 0.
  ///
  /// Labels are class indices stored as floats (exact for indices below 2²⁴). Returns nil
  /// on success, or the index of the first label that is not an integer in
  /// `0 ..< classes` (including NaN); in that case `out` is left untouched, because all
  /// labels are validated before anything is written.
  public static func oneHot(
    labels: UnsafePointer<Float>, count: Int, classes: Int, out: UnsafeMutablePointer<Float>
  ) -> Int? {
    precondition(count >= 0 && classes >= 0, "negative dimension")
    let limit = Float(classes)
    for i in 0..<count {
      let v = labels[i]
      // Written so that NaN fails the first comparison.
      guard v >= 0, v < limit, v.rounded(.towardZero) == v else { return i }
    }
    out.update(repeating: 0, count: count &* classes)
    for i in 0..<count {
      out[i &* classes &+ Int(labels[i])] = 1
    }
    return nil
  }

  /// `Σ x[i]`, accumulated in Double (see `sumDouble`) and rounded once; 0 when empty.
  public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    Float(sumDouble(count: count) { Double(x[$0]) })
  }

  /// `Σ x[i] / count`, with the division done in Double before the single rounding.
  /// Requires `count > 0`.
  public static func mean(_ x: UnsafePointer<Float>, count: Int) -> Float {
    precondition(count > 0, "mean over an empty tensor")
    return Float(sumDouble(count: count) { Double(x[$0]) } / Double(count))
  }
}

extension Kernels {
  /// `y` = `x` (of `shape`, row-major) with its axes reordered: output axis `i` is input
  /// axis `permutation[i]`. Walks the output in order, stepping the input offset by the
  /// permuted strides, so each element costs an add rather than a division.
  public static func transpose(
    shape: [Int], permutation: [Int], x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
  ) {
    let rank = shape.count
    guard rank > 0 else {
      y.pointee = x.pointee
      return
    }
    var strides = [Int](repeating: 1, count: rank)
    for a in stride(from: rank - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
    let outShape = permutation.map { shape[$0] }
    let outStrides = permutation.map { strides[$0] }
    let total = shape.reduce(1, *)
    var index = [Int](repeating: 0, count: rank)
    var offset = 0
    for i in 0..<total {
      y[i] = x[offset]
      // Advance the output's multi-index like an odometer, keeping the input offset in step.
      var a = rank - 1
      while a >= 0 {
        index[a] += 1
        offset += outStrides[a]
        if index[a] < outShape[a] { break }
        offset -= outStrides[a] * outShape[a]
        index[a] = 0
        a -= 1
      }
    }
  }
}
