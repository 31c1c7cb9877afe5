/// An 8-bit image in memory, grayscale or RGB: what `ImageGrid` and `ScatterPlot` render and
/// `PNGWriter` encodes.
///
/// Invariant: `pixels.count == width * height * format.channels`, row-major, top row first,
/// channels interleaved.
public struct Bitmap: Sendable, Hashable {
  /// Pixel layout: one gray byte, or red, green, blue bytes.
  public enum Format: Sendable, Hashable {
    case gray
    case rgb

    /// Bytes per pixel.
    public var channels: Int { self == .gray ? 1 : 3 }
  }

  public let width: Int
  public let height: Int
  public let format: Format
  /// Settable only inside GancData so the count invariant cannot be broken from outside.
  public internal(set) var pixels: [UInt8]

  /// A bitmap over `pixels`, which must hold exactly `width * height * format.channels` bytes.
  public init(width: Int, height: Int, format: Format, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0, "negative bitmap size")
    precondition(
      pixels.count == width * height * format.channels,
      "\(pixels.count) bytes for a \(width) × \(height) \(format) bitmap")
    self.width = width
    self.height = height
    self.format = format
    self.pixels = pixels
  }

  /// A bitmap with every channel of every pixel set to `value`.
  public init(width: Int, height: Int, format: Format, filledWith value: UInt8) {
    self.init(
      width: width, height: height, format: format,
      pixels: [UInt8](repeating: value, count: width * height * format.channels))
  }

  /// The bytes of pixel (x, y): one for gray, three for RGB.
  public subscript(x: Int, y: Int) -> ArraySlice<UInt8> {
    precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width) × \(height)")
    let start = (y * width + x) * format.channels
    return pixels[start..<start + format.channels]
  }

  /// The image as PNG bytes.
  public func pngData() -> [UInt8] {
    switch format {
    case .gray: PNGWriter.encodeGray(width: width, height: height, pixels: pixels)
    case .rgb: PNGWriter.encodeRGB(width: width, height: height, pixels: pixels)
    }
  }

  /// Writes the image as a PNG file, atomically.
  public func writePNG(to path: String) throws(DataError) {
    try PNGWriter.write(self, to: path)
  }
}
