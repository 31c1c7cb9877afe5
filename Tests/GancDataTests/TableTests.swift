import Foundation
import GancData
import Testing

@Suite struct TableTests {
  let table = Table(rowCount: 3, columnCount: 4, values: (0..<12).map(Float.init), columnNames: ["a", "b", "c", "d"])

  @Test func gatherCopiesRowsAndColumnsInOrder() {
    var out = [Float](repeating: -99, count: 7)
    out.withUnsafeMutableBufferPointer { table.gather(rows: [2, 0, 2], columns: 1..<3, scale: nil, into: $0) }
    #expect(out == [9, 10, 1, 2, 9, 10, -99])  // exactly 6 values written, the rest untouched
  }

  @Test func gatherAppliesTheScale() {
    let pixels = Table(rowCount: 2, columnCount: 3, values: [0, 8, 16, 4, 12, 2])
    var out = [Float](repeating: 0, count: 4)
    let scale = LinearScale(from: 0...16, to: -1...1)
    out.withUnsafeMutableBufferPointer { pixels.gather(rows: [1, 0], columns: 0..<2, scale: scale, into: $0) }
    #expect(out == [-0.5, 0.5, -1, 0])
  }

  @Test func selectingKeepsNames() {
    let sub = table.selecting(rows: [1], columns: 2..<4)
    #expect(sub.rowCount == 1 && sub.columnCount == 2)
    #expect(sub.values == [6, 7])
    #expect(sub.columnNames == ["c", "d"])
  }
}

@Suite struct LinearScaleTests {
  @Test(arguments: [(Float(0), Float(-1)), (16, 1), (8, 0), (4, -0.5), (20, 1.5)])
  func mapsPixelsToTanhRange(x: Float, y: Float) {
    let scale = LinearScale(from: 0...16, to: -1...1)
    #expect(scale(x) == y)
    #expect(scale.inverse(y) == x)
  }

  @Test func inverseRoundTripsWithinRounding() {
    let scale = LinearScale(from: -3.7...12.1, to: 0...255)
    for x in stride(from: Float(-3.7), through: 12.1, by: 0.37) {
      #expect(abs(scale.inverse(scale(x)) - x) < 1e-5)
    }
    #expect(scale.inverse.inverse == scale)
  }

  @Test func codableRoundTripAndValidation() throws {
    let scale = LinearScale(from: 0...16, to: -1...1)
    let data = try JSONEncoder().encode(scale)
    #expect(try JSONDecoder().decode(LinearScale.self, from: data) == scale)
    let degenerate = Data(#"{"from":[1,1],"to":[0,1]}"#.utf8)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(LinearScale.self, from: degenerate) }
  }
}
