import GancIR

/// The shapes a convolution kernel works on: a batch of `large` images `[n, h, w, c]`, the
/// `small` side `[n, oh, ow, o]`, and the geometry between them.
public struct ConvShape: Hashable, Sendable {
  public var n: Int
  public var h: Int
  public var w: Int
  public var c: Int
  public var oh: Int
  public var ow: Int
  public var o: Int
  public var geometry: ConvGeometry

  public init(n: Int, h: Int, w: Int, c: Int, oh: Int, ow: Int, o: Int, geometry: ConvGeometry) {
    (self.n, self.h, self.w, self.c, self.oh, self.ow, self.o) = (n, h, w, c, oh, ow, o)
    self.geometry = geometry
  }

  /// Rows of the im2col matrix: one per pixel of the small side.
  public var rows: Int { n * oh * ow }
  /// Columns of the im2col matrix: one per weight feeding a small-side channel.
  public var columns: Int { geometry.kernelH * geometry.kernelW * c }
}

extension Kernels {
  /// Unfolds `large` (NHWC) into `cols` `[rows, kh·kw·c]`: row `(n, y, x)` holds the
  /// kernel-sized window that feeds small-side pixel `(y, x)`, zeros where it overhangs
  /// the padding. Channels are contiguous in both layouts, so each window position is one
  /// copy of `c` floats.
  public static func im2col(_ s: ConvShape, large: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>) {
    let g = s.geometry
    var row = cols
    for b in 0..<s.n {
      let image = large + b * s.h * s.w * s.c
      for y in 0..<s.oh {
        for x in 0..<s.ow {
          var dst = row
          for ki in 0..<g.kernelH {
            let iy = y * g.strideH + ki - g.padH
            for kj in 0..<g.kernelW {
              let ix = x * g.strideW + kj - g.padW
              if iy >= 0, iy < s.h, ix >= 0, ix < s.w {
                dst.update(from: image + (iy * s.w + ix) * s.c, count: s.c)
              } else {
                dst.update(repeating: 0, count: s.c)
              }
              dst += s.c
            }
          }
          row += s.columns
        }
      }
    }
  }

  /// The adjoint of `im2col`: adds each window of `cols` back onto `large`, which must
  /// hold zeros (or what to add to) beforehand. Overlapping windows add up.
  public static func col2im(_ s: ConvShape, cols: UnsafePointer<Float>, large: UnsafeMutablePointer<Float>) {
    let g = s.geometry
    var row = cols
    for b in 0..<s.n {
      let image = large + b * s.h * s.w * s.c
      for y in 0..<s.oh {
        for x in 0..<s.ow {
          var src = row
          for ki in 0..<g.kernelH {
            let iy = y * g.strideH + ki - g.padH
            for kj in 0..<g.kernelW {
              let ix = x * g.strideW + kj - g.padW
              if iy >= 0, iy < s.h, ix >= 0, ix < s.w {
                let dst = image + (iy * s.w + ix) * s.c
                for k in 0..<s.c { dst[k] += src[k] }
              }
              src += s.c
            }
          }
          row += s.columns
        }
      }
    }
  }

  /// `small = conv(large, weights)`: im2col, then one matrix product
  /// `[rows, kh·kw·c] · [kh·kw·c, o]`, whose result is `small` in NHWC order already.
  public static func conv(
    _ s: ConvShape, large: UnsafePointer<Float>, weights: UnsafePointer<Float>, small: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, threads: Int = 0
  ) {
    im2col(s, large: large, cols: scratch)
    gemm(
      transposeA: false, transposeB: false, m: s.rows, n: s.o, k: s.columns, alpha: 1, a: scratch, lda: s.columns,
      b: weights, ldb: s.o, beta: 0, c: small, ldc: s.o, threads: threads)
  }

  /// `large = convTranspose(small, weights)`: `small · weightsᵀ` gives every window's
  /// contribution, and `col2im` adds them up.
  public static func convTranspose(
    _ s: ConvShape, small: UnsafePointer<Float>, weights: UnsafePointer<Float>, large: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, threads: Int = 0
  ) {
    gemm(
      transposeA: false, transposeB: true, m: s.rows, n: s.columns, k: s.o, alpha: 1, a: small, lda: s.o, b: weights,
      ldb: s.o, beta: 0, c: scratch, ldc: s.columns, threads: threads)
    fill(large, count: s.n * s.h * s.w * s.c, value: 0)
    col2im(s, cols: scratch, large: large)
  }

  /// `weights' gradient = im2col(large)ᵀ · small`.
  public static func convFilterGrad(
    _ s: ConvShape, large: UnsafePointer<Float>, small: UnsafePointer<Float>, weights: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, threads: Int = 0
  ) {
    im2col(s, large: large, cols: scratch)
    gemm(
      transposeA: true, transposeB: false, m: s.columns, n: s.o, k: s.rows, alpha: 1, a: scratch, lda: s.columns,
      b: small, ldb: s.o, beta: 0, c: weights, ldc: s.o, threads: threads)
  }

  /// `state ← (1 − momentum) · state + momentum · correction · statistic`.
  public static func updateState(
    statistic: UnsafePointer<Float>, state: UnsafeMutablePointer<Float>, count: Int, momentum: Float, correction: Float
  ) {
    let keep = 1 - momentum
    let take = momentum * correction
    for i in 0..<count { state[i] = keep * state[i] + take * statistic[i] }
  }

  /// `mask = u ≥ rate ? 1 / (1 − rate) : 0`: inverted dropout, so the expected value of
  /// `x · mask` is `x` and sampling needs no rescaling.
  public static func dropoutMask(
    _ u: UnsafePointer<Float>, _ mask: UnsafeMutablePointer<Float>, count: Int, rate: Float
  ) {
    let keep = 1 / (1 - rate)
    for i in 0..<count { mask[i] = u[i] >= rate ? keep : 0 }
  }
}
