/// The geometry of a 2-D convolution over NHWC tensors, shared by the three ops that
/// implement convolution and its adjoints.
///
/// `conv` maps the large ("image") side to the small ("feature") side:
/// `small[h] = Σ_k large[h·stride + k − padding]`. `convTranspose` maps back (it is the
/// adjoint of `conv` for fixed weights), and `convFilterGrad` is the adjoint with respect
/// to the weights. Weights are `[kernelH, kernelW, largeChannels, smallChannels]`, so one
/// matrix serves all three: a row of `im2col(large)` times the weight matrix is a pixel of
/// `small`.
public struct ConvGeometry: Hashable, Sendable, CustomStringConvertible {
  public var kernelH: Int
  public var kernelW: Int
  public var strideH: Int
  public var strideW: Int
  public var padH: Int
  public var padW: Int

  public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
    (kernelH, kernelW) = kernel
    (strideH, strideW) = stride
    (padH, padW) = padding
  }

  /// Positions of the small side for `large` entries along an axis: `⌊(large + 2·padding −
  /// kernel) / stride⌋ + 1`, nil when the kernel is wider than the padded input. When the
  /// stride does not divide, the last rows of the large side are read by no window (as in
  /// PyTorch): that is the large side of a transposed convolution with `output_padding`.
  public static func smallSize(large: Int, kernel: Int, stride: Int, padding: Int) -> Int? {
    let span = large + 2 * padding - kernel
    guard span >= 0, stride > 0 else { return nil }
    return span / stride + 1
  }

  public var description: String {
    kernelH == kernelW && strideH == strideW && padH == padW
      ? "k\(kernelH) s\(strideH) p\(padH)" : "k\(kernelH)×\(kernelW) s\(strideH)×\(strideW) p\(padH)×\(padW)"
  }

  /// The im2col matrix of `large` `[n, h, w, c]` for small side `[n, oh, ow, _]`:
  /// `[n·oh·ow, kernelH·kernelW·c]` values.
  public func columnCount(largeChannels c: Int) -> Int { kernelH * kernelW * c }
}
