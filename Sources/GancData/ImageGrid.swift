/// Tiles many small grayscale images (generated digits, say) into one picture.
///
/// Tile `i` goes to grid row `i / columns`, column `i % columns`. Each image is `imageHeight`
/// × `imageWidth` floats, row-major; values are mapped linearly from `valueRange` to 0...255
/// (clamped, NaN as 0) and each pixel is enlarged to an `upscale` × `upscale` block (nearest
/// neighbour, so pixels stay crisp). Neighbouring tiles are separated by a 1-pixel line of
/// `separator` gray, which also fills tiles that have no image; there is no outer border.
public struct ImageGrid: Sendable, Hashable {
  /// Tiles down and across.
  public let rows: Int
  public let columns: Int
  /// The size of one image, in values (before upscaling).
  public let imageHeight: Int
  public let imageWidth: Int
  /// The values that map to black (lower bound) and white (upper bound).
  public let valueRange: ClosedRange<Float>
  /// Output pixels per image pixel along each axis.
  public let upscale: Int
  /// Gray level of the separator lines and empty tiles.
  public let separator: UInt8

  /// All sizes must be positive and `valueRange` must have positive width.
  public init(
    rows: Int, columns: Int, imageHeight: Int, imageWidth: Int,
    valueRange: ClosedRange<Float> = -1...1, upscale: Int = 1, separator: UInt8 = 128
  ) {
    precondition(
      rows > 0 && columns > 0 && imageHeight > 0 && imageWidth > 0 && upscale > 0,
      "ImageGrid sizes must be positive")
    precondition(valueRange.upperBound > valueRange.lowerBound, "ImageGrid value range must have positive width")
    self.rows = rows
    self.columns = columns
    self.imageHeight = imageHeight
    self.imageWidth = imageWidth
    self.valueRange = valueRange
    self.upscale = upscale
    self.separator = separator
  }

  /// Width of the whole picture in pixels.
  public var width: Int { columns * imageWidth * upscale + (columns - 1) }
  /// Height of the whole picture in pixels.
  public var height: Int { rows * imageHeight * upscale + (rows - 1) }
  /// Number of tiles.
  public var capacity: Int { rows * columns }

  /// The top-left pixel of tile `index`.
  public func origin(ofTile index: Int) -> (x: Int, y: Int) {
    precondition(index >= 0 && index < capacity, "tile \(index) outside 0..<\(capacity)")
    return ((index % columns) * (imageWidth * upscale + 1), (index / columns) * (imageHeight * upscale + 1))
  }

  /// The gray level of `value`: `valueRange` onto 0...255, rounded, clamped, NaN → 0.
  public func grayLevel(_ value: Float) -> UInt8 {
    let t = (value - valueRange.lowerBound) / (valueRange.upperBound - valueRange.lowerBound) * 255
    guard t > 0 else { return 0 }  // also catches NaN, which fails every comparison
    return t >= 255 ? 255 : UInt8(t.rounded())
  }

  /// Renders `images`: a whole number of images, at most `capacity`, back to back.
  public func render(_ images: [Float]) -> Bitmap {
    images.withUnsafeBufferPointer { render($0) }
  }

  /// Renders `images`: a whole number of images, at most `capacity`, back to back.
  public func render(_ images: UnsafeBufferPointer<Float>) -> Bitmap {
    let size = imageHeight * imageWidth
    precondition(images.count % size == 0, "\(images.count) values are not whole \(imageHeight) × \(imageWidth) images")
    let count = images.count / size
    precondition(count <= capacity, "\(count) images do not fit a \(rows) × \(columns) grid")
    let width = self.width
    var pixels = [UInt8](repeating: separator, count: width * height)
    for tile in 0..<count {
      let (x0, y0) = origin(ofTile: tile)
      for r in 0..<imageHeight {
        for c in 0..<imageWidth {
          let level = grayLevel(images[tile * size + r * imageWidth + c])
          for dy in 0..<upscale {
            let rowStart = (y0 + r * upscale + dy) * width + x0 + c * upscale
            for dx in 0..<upscale { pixels[rowStart + dx] = level }
          }
        }
      }
    }
    return Bitmap(width: width, height: height, format: .gray, pixels: pixels)
  }
}
