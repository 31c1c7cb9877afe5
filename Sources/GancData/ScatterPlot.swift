/// Renders 2-D points (generated mixture samples, say) as an RGB picture over a fixed data
/// range, so pictures from different training steps line up and can be compared or animated.
///
/// White background, a light gray frame and light gray axes through 0 (when 0 is in range),
/// points as small translucent blue squares (overlaps darken, so density shows), and optional
/// reference points such as the true mode centres as red crosses drawn on top. y grows upward.
/// Points outside the range or not finite are skipped; `outside` reports how many.
public struct ScatterPlot: Sendable, Hashable {
  /// Picture size in pixels.
  public let width: Int
  public let height: Int
  /// The data shown, edge to edge: the first and last pixel columns/rows are the bounds.
  public let xRange: ClosedRange<Float>
  public let yRange: ClosedRange<Float>

  /// A plot showing `xRange` × `yRange` in a `width` × `height` picture (at least 8 × 8).
  public init(width: Int = 400, height: Int = 400, xRange: ClosedRange<Float>, yRange: ClosedRange<Float>) {
    precondition(width >= 8 && height >= 8, "ScatterPlot needs at least 8 × 8 pixels")
    precondition(
      xRange.upperBound > xRange.lowerBound && yRange.upperBound > yRange.lowerBound,
      "ScatterPlot ranges must have positive width")
    precondition(
      xRange.lowerBound.isFinite && xRange.upperBound.isFinite
        && yRange.lowerBound.isFinite && yRange.upperBound.isFinite, "ScatterPlot ranges must be finite")
    self.width = width
    self.height = height
    self.xRange = xRange
    self.yRange = yRange
  }

  /// A square plot with the same `range` on both axes (e.g. −1.5...1.5 for the ring, −5...5
  /// for the grid).
  public init(size: Int = 400, range: ClosedRange<Float>) {
    self.init(width: size, height: size, xRange: range, yRange: range)
  }

  /// The pixel (column, row) showing data point (x, y), or nil when it is outside the range.
  public func pixel(x: Float, y: Float) -> (column: Int, row: Int)? {
    guard xRange.contains(x), yRange.contains(y) else { return nil }  // false for NaN
    let u = (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
    let v = (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound)
    return (Int((u * Float(width - 1)).rounded()), Int((v * Float(height - 1)).rounded()))
  }

  /// Number of points (interleaved x, y pairs) that `render` would skip.
  public func outside(points: [Float]) -> Int {
    stride(from: 0, to: points.count - 1, by: 2).filter { pixel(x: points[$0], y: points[$0 + 1]) == nil }.count
  }

  /// The picture of `points` (interleaved x, y pairs) with `references` marked.
  public func render(points: [Float], references: [(Float, Float)] = []) -> Bitmap {
    precondition(points.count % 2 == 0, "points must be x, y pairs, got \(points.count) values")
    var canvas = Canvas(width: width, height: height)
    let light: (UInt8, UInt8, UInt8) = (205, 205, 205)
    for x in 0..<width {
      canvas.set(x, 0, light)
      canvas.set(x, height - 1, light)
    }
    for y in 0..<height {
      canvas.set(0, y, light)
      canvas.set(width - 1, y, light)
    }
    if let (column, row) = pixel(x: 0, y: 0) {
      for x in 0..<width { canvas.set(x, row, light) }
      for y in 0..<height { canvas.set(column, y, light) }
    } else if let (column, _) = pixel(x: 0, y: yRange.lowerBound) {
      for y in 0..<height { canvas.set(column, y, light) }
    } else if let (_, row) = pixel(x: xRange.lowerBound, y: 0) {
      for x in 0..<width { canvas.set(x, row, light) }
    }

    // Translucent so that 1 point is visible and ~6 overlapping are nearly solid.
    let blue: (UInt8, UInt8, UInt8) = (31, 90, 180)
    for i in stride(from: 0, to: points.count, by: 2) {
      guard let (column, row) = pixel(x: points[i], y: points[i + 1]) else { continue }
      for dy in 0...1 {
        for dx in 0...1 { canvas.blend(column + dx, row + dy, blue, alpha: 0.35) }
      }
    }

    let red: (UInt8, UInt8, UInt8) = (215, 30, 30)
    for (mx, my) in references {
      guard let (column, row) = pixel(x: mx, y: my) else { continue }
      for d in -4...4 {
        canvas.set(column + d, row, red)
        canvas.set(column, row + d, red)
      }
    }
    return Bitmap(width: width, height: height, format: .rgb, pixels: canvas.pixels)
  }
}

/// RGB pixels with drawing that silently clips at the edges (shared by the plots).
struct Canvas {
  let width: Int
  let height: Int
  var pixels: [UInt8]

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 255, count: width * height * 3)
  }

  mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
    guard x >= 0, x < width, y >= 0, y < height else { return }
    let i = (y * width + x) * 3
    pixels[i] = color.0
    pixels[i + 1] = color.1
    pixels[i + 2] = color.2
  }

  mutating func blend(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8), alpha: Float) {
    guard x >= 0, x < width, y >= 0, y < height else { return }
    let i = (y * width + x) * 3
    for (k, target) in [color.0, color.1, color.2].enumerated() {
      let old = Float(pixels[i + k])
      pixels[i + k] = UInt8((old + (Float(target) - old) * alpha).rounded())
    }
  }
}
