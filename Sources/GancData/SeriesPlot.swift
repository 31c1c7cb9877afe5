#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Draws a few 1-D series (real and generated ECG windows, say) as line plots: an SVG
/// document, or a bitmap for a PNG.
///
/// Series i is drawn in `palette[i % palette.count]`, point t at x = t, over the x range
/// 0 … (longest length − 1) and the y range `valueRange(_:)`. The SVG has a white
/// background, a light grid (quarters of each axis), a gray frame, labels with the x and y
/// bounds, optional axis titles, title and legend, and one `<polyline>` per run of finite
/// values of a series (so one per series when all values are finite; NaN and infinities
/// break the line), clipped to the plot area. The output depends only on the arguments, so
/// plots from different training steps compare and diff cleanly.
public struct SeriesPlot: Sendable, Hashable {
  /// Picture size in pixels.
  public let width: Int
  public let height: Int
  /// A title drawn above the plot, if any.
  public let title: String?
  /// The titles of the x and y axes (empty: none).
  public let xLabel: String
  public let yLabel: String
  /// The y range shown; nil fits the data (see `valueRange(_:)`).
  public let yRange: ClosedRange<Float>?

  /// The series colours, in order (Tableau 10).
  public static let palette: [String] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// A plot of the given size (at least 120 × 80) and labels; `yRange`, when given, must be
  /// finite with positive width.
  public init(
    width: Int = 720, height: Int = 360, title: String? = nil, xLabel: String = "step", yLabel: String = "value",
    yRange: ClosedRange<Float>? = nil
  ) {
    precondition(width >= 120 && height >= 80, "SeriesPlot needs at least 120 × 80 pixels")
    if let yRange {
      precondition(
        yRange.lowerBound.isFinite && yRange.upperBound.isFinite && yRange.upperBound > yRange.lowerBound,
        "SeriesPlot y range must be finite with positive width, got \(yRange)")
    }
    self.width = width
    self.height = height
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.yRange = yRange
  }

  /// The y range drawn: `yRange` if set, else the finite data's minimum…maximum, widened to
  /// v − 1 … v + 1 when every value is v, and −1…1 when nothing is finite.
  public func valueRange(_ series: [[Float]]) -> ClosedRange<Float> {
    if let yRange { return yRange }
    var lo = Float.infinity
    var hi = -Float.infinity
    for s in series {
      for v in s where v.isFinite {
        lo = min(lo, v)
        hi = max(hi, v)
      }
    }
    if lo > hi { return -1...1 }
    if lo < hi { return lo...hi }
    var pad: Float = 1
    while true {  // widen until v ± pad are distinct: ends, since pad overflows eventually
      let a = lo - pad
      let b = lo + pad
      guard a.isFinite, b.isFinite else { return -1...1 }
      if a < b { return a...b }
      pad *= 2
    }
  }

  /// The plot area in pixels: left, top, right and bottom edges.
  private var area: (left: Double, top: Double, right: Double, bottom: Double) {
    (64, title == nil ? 16 : 36, Double(width - 16), Double(height - (xLabel.isEmpty ? 28 : 44)))
  }

  /// The SVG document (UTF-8 text) for `series`, with a legend when `names` is given (one name
  /// per series; extra names are ignored, missing ones leave those series out of the legend).
  public func svg(_ series: [[Float]], names: [String]? = nil) -> String {
    let range = valueRange(series)
    let length = series.map(\.count).max() ?? 0
    let xMax = max(length - 1, 1)
    let (left, top, right, bottom) = area
    func px(_ t: Int) -> Double { left + (right - left) * Double(t) / Double(xMax) }
    func py(_ v: Float) -> Double {
      let lo = Double(range.lowerBound)
      let hi = Double(range.upperBound)
      return bottom - (bottom - top) * (Double(v) - lo) / (hi - lo)
    }

    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
    out += "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
    out += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
    out += "<defs><clipPath id=\"plot-area\"><rect x=\"\(f(left))\" y=\"\(f(top))\" "
    out += "width=\"\(f(right - left))\" height=\"\(f(bottom - top))\"/></clipPath></defs>\n"
    out += "<g stroke=\"#e6e6e6\" stroke-width=\"1\">\n"
    for k in 1...3 {
      let x = left + (right - left) * Double(k) / 4
      let y = top + (bottom - top) * Double(k) / 4
      out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\"/>\n"
      out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\"/>\n"
    }
    out += "</g>\n"
    out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
    out += "fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>\n"

    // Bounds: y max and min left of the frame, x 0 and max below it.
    out += "<g fill=\"#333333\">\n"
    out += "<text x=\"\(f(left - 6))\" y=\"\(f(top + 4))\" text-anchor=\"end\">\(Self.label(range.upperBound))</text>\n"
    out +=
      "<text x=\"\(f(left - 6))\" y=\"\(f(bottom + 4))\" text-anchor=\"end\">\(Self.label(range.lowerBound))</text>\n"
    out += "<text x=\"\(f(left))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">0</text>\n"
    out += "<text x=\"\(f(right))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(xMax)</text>\n"
    if !xLabel.isEmpty {
      out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 34))\" text-anchor=\"middle\">"
      out += "\(Self.escape(xLabel))</text>\n"
    }
    if !yLabel.isEmpty {
      let y = (top + bottom) / 2
      out += "<text x=\"18\" y=\"\(f(y))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(y)))\">"
      out += "\(Self.escape(yLabel))</text>\n"
    }
    if let title {
      out += "<text x=\"\(f(Double(width) / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
      out += "\(Self.escape(title))</text>\n"
    }
    out += "</g>\n"

    out += "<g clip-path=\"url(#plot-area)\" fill=\"none\" stroke-width=\"1.5\" stroke-linejoin=\"round\">\n"
    for (i, s) in series.enumerated() {
      let colour = Self.palette[i % Self.palette.count]
      var run: [String] = []
      func flush() {
        if !run.isEmpty {
          out += "<polyline stroke=\"\(colour)\" points=\"\(run.joined(separator: " "))\"/>\n"
          run.removeAll()
        }
      }
      for (t, v) in s.enumerated() {
        if v.isFinite { run.append("\(f(px(t))),\(f(py(v)))") } else { flush() }
      }
      flush()
    }
    out += "</g>\n"

    if let names, !names.isEmpty {
      let shown = names.prefix(series.count).count
      out += "<g font-size=\"11\">\n"
      out += "<rect x=\"\(f(right - 126))\" y=\"\(f(top + 3))\" width=\"122\" height=\"\(f(14 * Double(shown) + 4))\" "
      out += "fill=\"#ffffff\" fill-opacity=\"0.85\"/>\n"
      for (i, name) in names.prefix(series.count).enumerated() {
        let y = top + 14 + 14 * Double(i)
        let colour = Self.palette[i % Self.palette.count]
        out += "<line x1=\"\(f(right - 120))\" y1=\"\(f(y - 4))\" x2=\"\(f(right - 104))\" y2=\"\(f(y - 4))\" "
        out += "stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
        out += "<text x=\"\(f(right - 100))\" y=\"\(f(y))\" fill=\"#333333\">\(Self.escape(name))</text>\n"
      }
      out += "</g>\n"
    }
    out += "</svg>\n"
    return out
  }

  /// Writes `svg(series, names:)` to `path` atomically (see `CSVWriter`).
  public func writeSVG(_ series: [[Float]], names: [String]? = nil, to path: String) throws(DataError) {
    try AtomicFile.store(Array(svg(series, names: names).utf8), at: path)
  }

  /// The same plot as an RGB bitmap (for `writePNG`), without text: grid, frame and 1-pixel
  /// lines in the palette's colours.
  public func render(_ series: [[Float]]) -> Bitmap {
    let range = valueRange(series)
    let length = series.map(\.count).max() ?? 0
    let xMax = max(length - 1, 1)
    let (left, top, right, bottom) = area
    let l = Int(left)
    let t = Int(top)
    let r = Int(right)
    let b = Int(bottom)
    var canvas = Canvas(width: width, height: height)
    let grid: (UInt8, UInt8, UInt8) = (230, 230, 230)
    for k in 1...3 {
      let x = l + (r - l) * k / 4
      let y = t + (b - t) * k / 4
      for yy in t...b { canvas.set(x, yy, grid) }
      for xx in l...r { canvas.set(xx, y, grid) }
    }
    let frame: (UInt8, UInt8, UInt8) = (153, 153, 153)
    for x in l...r {
      canvas.set(x, t, frame)
      canvas.set(x, b, frame)
    }
    for y in t...b {
      canvas.set(l, y, frame)
      canvas.set(r, y, frame)
    }
    let lo = Double(range.lowerBound)
    let hi = Double(range.upperBound)
    func point(_ i: Int, _ v: Float) -> (Int, Int) {
      let x = left + (right - left) * Double(i) / Double(xMax)
      let y = bottom - (bottom - top) * (Double(v) - lo) / (hi - lo)
      return (Int(x.rounded()), Int(min(max(y, -1), Double(height)).rounded()))
    }
    for (i, s) in series.enumerated() {
      let colour = Self.rgb(Self.palette[i % Self.palette.count])
      var previous: (Int, Int)? = nil
      for (k, v) in s.enumerated() {
        guard v.isFinite else {
          previous = nil
          continue
        }
        let p = point(k, v)
        Self.line(from: previous ?? p, to: p, colour, clip: (l, t, r, b), on: &canvas)
        previous = p
      }
    }
    return Bitmap(width: width, height: height, format: .rgb, pixels: canvas.pixels)
  }

  /// Bresenham's line, drawing only inside the clip rectangle (edges included).
  private static func line(
    from a: (Int, Int), to b: (Int, Int), _ colour: (UInt8, UInt8, UInt8), clip: (Int, Int, Int, Int),
    on canvas: inout Canvas
  ) {
    var (x, y) = a
    let dx = abs(b.0 - x)
    let dy = -abs(b.1 - y)
    let sx = x < b.0 ? 1 : -1
    let sy = y < b.1 ? 1 : -1
    var error = dx + dy
    while true {
      if x >= clip.0, x <= clip.2, y >= clip.1, y <= clip.3 { canvas.set(x, y, colour) }
      if x == b.0 && y == b.1 { return }
      let e2 = 2 * error
      if e2 >= dy {
        error += dy
        x += sx
      }
      if e2 <= dx {
        error += dx
        y += sy
      }
    }
  }

  /// A `#rrggbb` colour as bytes.
  private static func rgb(_ hex: String) -> (UInt8, UInt8, UInt8) {
    let v = UInt32(hex.dropFirst(), radix: 16) ?? 0
    return (UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255))
  }

  /// `v` with two decimals, clamped to ±10⁶ (coordinates far outside the picture are clipped
  /// anyway, and the clamp keeps the text short and the integer conversion safe).
  private static func fixed(_ v: Double) -> String {
    let hundredths = Int((min(max(v, -1e6), 1e6) * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let a = abs(hundredths)
    let fraction = a % 100
    if fraction == 0 { return "\(sign)\(a / 100)" }
    return "\(sign)\(a / 100).\(fraction < 10 ? "0" : "")\(fraction % 10 == 0 ? fraction / 10 : fraction)"
  }

  private func f(_ v: Double) -> String { Self.fixed(v) }

  /// `v` rounded to 4 significant digits, in the shortest form (`-0.245`, `1200`, `1e-05`).
  static func label(_ v: Float) -> String {
    guard v != 0, v.isFinite else { return v == 0 ? "0" : "\(v)" }
    let d = Double(v)
    let exponent = floor(log10(abs(d)))
    let factor = pow(10, 3 - exponent)
    let rounded = Float((d * factor).rounded() / factor)
    var text = rounded.isFinite ? rounded.description : v.description
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }

  /// `text` with XML's special characters escaped.
  static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(c)
      }
    }
    return out
  }
}
