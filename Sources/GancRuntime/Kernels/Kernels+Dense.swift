import GancIR
import Glibc

// The epilogues of a dense layer `y = act(x·W + b)`: gemm writes `x·W` into the output
// buffer, then one of these kernels finishes it in place; backward runs the mirror image.

extension Kernels {
  /// `out[r, c] = x[r, c] + bias[c]` for a `rows × cols` matrix; `out` may equal `x`.
  public static func addBias(
    rows: Int, cols: Int, x: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0 && cols >= 0, "negative dimension")
    for r in 0..<rows {
      let o = r &* cols
      zip(x + o, bias, out + o, count: cols) { $0 + $1 }
    }
  }

  /// In place, `data[r, c] = act(data[r, c] + bias[c])`, reading and writing each element
  /// once. `bias` must not overlap `data`.
  ///
  /// Bit-identical to `addBias` followed by `activate`: the same float add, then the same
  /// scalar activation formula. Fusing saves a full write and re-read of the activation
  /// buffer, which for these small layers costs as much as the arithmetic.
  public static func biasActivation(
    rows: Int, cols: Int, bias: UnsafePointer<Float>, activation: Activation,
    data: UnsafeMutablePointer<Float>
  ) {
    switch activation {
    case .identity: biasEpilogue(rows, cols, bias, data) { $0 }
    case .relu: biasEpilogue(rows, cols, bias, data) { relu($0) }
    case .leakyRelu(let slope): biasEpilogue(rows, cols, bias, data) { leakyRelu($0, slope) }
    case .tanh: biasEpilogue(rows, cols, bias, data) { tanhf($0) }
    case .sigmoid: biasEpilogue(rows, cols, bias, data) { sigmoid($0) }
    }
  }

  @inline(__always)
  static func biasEpilogue(
    _ rows: Int, _ cols: Int, _ bias: UnsafePointer<Float>, _ data: UnsafeMutablePointer<Float>,
    _ f: (Float) -> Float
  ) {
    precondition(rows >= 0 && cols >= 0, "negative dimension")
    for r in 0..<rows {
      let row = data + r &* cols
      for c in 0..<cols { row[c] = f(row[c] + bias[c]) }
    }
  }

  /// `out[c] = Σ_r x[r, c]` over a `rows × cols` matrix (the bias gradient); `out` has
  /// `cols` elements and must not overlap `x`. With `rows == 0` the result is zero.
  ///
  /// Accumulates in float32 row by row (row 0 is copied, then each later row is added),
  /// so the inner loop runs along contiguous columns and vectorizes; summing down a column
  /// instead would stride through memory. The order is fixed, so results are
  /// deterministic; the error is at most about `rows · ε · Σ_r |x[r, c]|`, small for the
  /// batch sizes used in training.
  public static func sumRows(
    rows: Int, cols: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
  ) {
    precondition(rows >= 0 && cols >= 0, "negative dimension")
    guard rows > 0 else {
      out.update(repeating: 0, count: cols)
      return
    }
    for c in 0..<cols { out[c] = x[c] }
    for r in 1..<rows {
      let row = x + r &* cols
      for c in 0..<cols { out[c] = out[c] + row[c] }
    }
  }

  /// Backward of `y = act(z)` followed by the bias gradient, in one pass:
  /// `dz = act'(z)·dy` (derived from the output `y`, as in `activationBackward`) and
  /// `dbias[c] = Σ_r dz[r, c]`.
  ///
  /// `dz` may equal `dy`; `dbias` (`cols` elements) must not overlap the others. Results
  /// are bit-identical to `activationBackward` followed by `sumRows`, which run the same
  /// formulas and the same summation order; fusing saves re-reading `dz`.
  public static func activationBackwardBiasReduce(
    _ act: Activation, rows: Int, cols: Int, dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
    dz: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>
  ) {
    switch act {
    case .identity:
      // The activation is a no-op, so the gradient is just copied (when not in place).
      copy(dy, dz, count: rows &* cols)
      sumRows(rows: rows, cols: cols, x: dy, out: dbias)
    case .relu:
      backwardReduce(rows, cols, dy, y, dz, dbias) { g, v in reluGrad(g, v) }
    case .leakyRelu(let slope):
      backwardReduce(rows, cols, dy, y, dz, dbias) { g, v in leakyReluGrad(g, v, slope) }
    case .tanh:
      backwardReduce(rows, cols, dy, y, dz, dbias) { g, v in tanhGrad(g, v) }
    case .sigmoid:
      backwardReduce(rows, cols, dy, y, dz, dbias) { g, v in sigmoidGrad(g, v) }
    }
  }

  @inline(__always)
  static func backwardReduce(
    _ rows: Int, _ cols: Int, _ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
    _ dz: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>,
    _ f: (Float, Float) -> Float
  ) {
    precondition(rows >= 0 && cols >= 0, "negative dimension")
    guard rows > 0 else {
      dbias.update(repeating: 0, count: cols)
      return
    }
    // Reading through `dz` itself when aliased lets LLVM see the zero dependence distance
    // (see `map`); the skeleton is inlined into each branch.
    if UnsafePointer(dz) == dy {
      backwardReduceRows(rows, cols, UnsafePointer(dz), y, dz, dbias, f)
    } else {
      backwardReduceRows(rows, cols, dy, y, dz, dbias, f)
    }
  }

  @inline(__always)
  static func backwardReduceRows(
    _ rows: Int, _ cols: Int, _ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
    _ dz: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>,
    _ f: (Float, Float) -> Float
  ) {
    for c in 0..<cols {
      let g = f(dy[c], y[c])
      dz[c] = g
      dbias[c] = g
    }
    for r in 1..<rows {
      let o = r &* cols
      let dyr = dy + o
      let yr = y + o
      let dzr = dz + o
      for c in 0..<cols {
        let g = f(dyr[c], yr[c])
        dzr[c] = g
        dbias[c] = dbias[c] + g
      }
    }
  }
}
