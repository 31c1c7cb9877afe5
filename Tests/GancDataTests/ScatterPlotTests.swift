import Foundation
import GancData
import Testing

@Suite struct ScatterPlotTests {
  let plot = ScatterPlot(width: 101, height: 51, xRange: -1...1, yRange: -2...2)

  @Test func mapsDataToPixelsWithYUp() {
    #expect(plot.pixel(x: -1, y: 2)! == (0, 0))
    #expect(plot.pixel(x: 1, y: -2)! == (100, 50))
    #expect(plot.pixel(x: 0, y: 0)! == (50, 25))
    #expect(plot.pixel(x: 1.01, y: 0) == nil)
    #expect(plot.pixel(x: .nan, y: 0) == nil)
    #expect(plot.outside(points: [0, 0, 5, 5, .nan, 1, -1, -1]) == 2)
  }

  @Test func drawsPointsAxesAndReferences() throws {
    let bitmap = plot.render(points: [0.5, 1, 0.5, 1, 0.5, 1, 9, 9, .nan, .infinity], references: [(-0.5, -1)])
    #expect(bitmap.format == .rgb && bitmap.width == 101 && bitmap.height == 51)
    #expect(bitmap[10, 40] == [255, 255, 255])  // background
    #expect(bitmap[50, 3] == [205, 205, 205])  // the y axis
    #expect(bitmap[3, 25] == [205, 205, 205])  // the x axis
    let (px, py) = try #require(plot.pixel(x: 0.5, y: 1))
    let point = Array(bitmap[px, py])
    #expect(point[2] > point[0] && point[0] < 120)  // three overlapping translucent points: dark blue
    let (rx, ry) = try #require(plot.pixel(x: -0.5, y: -1))
    #expect(bitmap[rx, ry] == [215, 30, 30])
    #expect(bitmap[rx + 3, ry] == [215, 30, 30])
    #expect(try decodePNG(bitmap.pngData()).pixels == bitmap.pixels)
  }
}
