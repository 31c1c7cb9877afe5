import Foundation
import GancData
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Collects what the tests check in an SVG document.
private final class SVGSummary: NSObject, XMLParserDelegate {
  var root: String? = nil
  var rootAttributes: [String: String] = [:]
  var polylines: [(stroke: String, points: [(Double, Double)])] = []
  var texts: [String] = []
  private var inText = false

  func parser(
    _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String]
  ) {
    if root == nil {
      root = name
      rootAttributes = attributes
    }
    if name == "polyline" {
      let points = (attributes["points"] ?? "").split(separator: " ").map { pair in
        let xy = pair.split(separator: ",").map { Double($0)! }
        return (xy[0], xy[1])
      }
      polylines.append((attributes["stroke"] ?? "", points))
    }
    if name == "text" {
      inText = true
      texts.append("")
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inText { texts[texts.count - 1] += string }
  }

  func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
    if name == "text" { inText = false }
  }
}

/// Parses `svg`, failing the test if it is not well-formed XML.
private func parseSVG(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) throws -> SVGSummary {
  let parser = XMLParser(data: data)
  let summary = SVGSummary()
  parser.delegate = summary
  let ok = parser.parse()
  try #require(ok, "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")", sourceLocation: sourceLocation)
  return summary
}

@Suite struct SeriesPlotTests {
  static func waves(_ count: Int, length: Int) -> [[Float]] {
    (0..<count).map { k in (0..<length).map { Float(sin(Double($0) * 0.05 + Double(k))) * Float(k + 1) } }
  }

  @Test(arguments: [(1, 100), (4, 256), (8, 500), (12, 2)])
  func wellFormedWithOnePolylinePerSeries(count: Int, length: Int) throws {
    let series = Self.waves(count, length: length)
    let plot = SeriesPlot(width: 640, height: 320, title: "ECG <real> & \"generated\"")
    let summary = try parseSVG(Data(plot.svg(series).utf8))
    #expect(summary.root == "svg")
    #expect(summary.rootAttributes["width"] == "640" && summary.rootAttributes["height"] == "320")
    #expect(summary.polylines.count == count)
    #expect(summary.polylines.map(\.points.count) == [Int](repeating: length, count: count))
    #expect(summary.polylines.map(\.stroke) == (0..<count).map { SeriesPlot.palette[$0 % 10] })
    #expect(summary.texts.contains("ECG <real> & \"generated\""))
    // Every point inside the picture, x increasing along each line.
    for line in summary.polylines {
      #expect(line.points.allSatisfy { $0.0 >= 0 && $0.0 <= 640 && $0.1 >= 0 && $0.1 <= 320 })
      #expect(zip(line.points, line.points.dropFirst()).allSatisfy { $0.0 < $1.0 })
    }
    // Bounds labelled: y from the data, x from 0 to length − 1.
    let range = plot.valueRange(series)
    #expect(range.lowerBound == series.flatMap { $0 }.min() && range.upperBound == series.flatMap { $0 }.max())
    #expect(summary.texts.contains("0") && summary.texts.contains(String(length - 1)))
    #expect(summary.texts.contains("step") && summary.texts.contains("value"))
  }

  @Test func labelsAndYMapping() throws {
    let plot = SeriesPlot(width: 400, height: 200, title: nil, xLabel: "", yLabel: "mV", yRange: -2...2)
    let summary = try parseSVG(Data(plot.svg([[-2, 0, 2], [1.5, 3]]).utf8))
    #expect(summary.texts.contains("2") && summary.texts.contains("-2") && summary.texts.contains("mV"))
    #expect(!summary.texts.contains("step"))
    let first = summary.polylines[0].points
    #expect(first[0].1 > first[1].1 && first[1].1 > first[2].1, "y grows upward")
    #expect(abs(first[1].1 - (first[0].1 + first[2].1) / 2) < 0.01)
    #expect(abs(first[2].0 - first[0].0 - 2 * (first[1].0 - first[0].0)) < 0.02)
  }

  @Test func nonFiniteValuesBreakTheLine() throws {
    let summary = try parseSVG(
      Data(SeriesPlot().svg([[1, 2, .nan, 3, 4, .infinity, 5], [.nan], [7, 8]], names: ["a", "b & c"]).utf8))
    #expect(summary.polylines.map(\.points.count) == [2, 2, 1, 2])
    #expect(summary.texts.contains("b & c"))
  }

  @Test(arguments: [[[Float]](), [[]], [[3, 3, 3]], [[Float.nan]]])
  func degenerateInputStillDraws(series: [[Float]]) throws {
    let plot = SeriesPlot()
    let range = plot.valueRange(series)
    #expect(range.lowerBound < range.upperBound && range.lowerBound.isFinite && range.upperBound.isFinite)
    _ = try parseSVG(Data(plot.svg(series).utf8))
    #expect(plot.render(series).width == 720)
  }

  @Test func writesAtomicallyAndRendersPNG() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/windows.svg"
    let series = Self.waves(6, length: 300)
    try SeriesPlot().writeSVG(series, to: path)
    let summary = try parseSVG(try Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(summary.polylines.count == 6)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["windows.svg"])

    let bitmap = SeriesPlot(width: 300, height: 150).render(series)
    #expect(bitmap.format == .rgb && bitmap.width == 300 && bitmap.height == 150)
    #expect(bitmap[2, 2] == [255, 255, 255])
    let blue = [UInt8(0x1f), 0x77, 0xb4]
    #expect((0..<150).contains { y in (0..<300).contains { x in Array(bitmap[x, y]) == blue } })
    #expect(try decodePNG(bitmap.pngData()).pixels == bitmap.pixels)
  }
}
