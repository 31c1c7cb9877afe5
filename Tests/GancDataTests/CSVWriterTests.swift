import Foundation
import GancData
import Testing

@Suite struct CSVWriterTests {
  @Test func roundTripsEveryFloatExactly() throws {
    let awkward: [Float] = [
      0.1, 1e-5, -0.0, .greatestFiniteMagnitude, .leastNormalMagnitude,
      .leastNonzeroMagnitude, 16_777_216, 16_777_218, 1 / 3, -2.5e-12, 123_456.79,
    ]
    let rows = [awkward, awkward.map { -$0 }]
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/values.csv"
    try CSVWriter.write(rows: rows, header: (0..<awkward.count).map { "c\($0)" }, to: path)
    let table = try Table(csvAt: path)
    #expect(table.columnNames == (0..<awkward.count).map { "c\($0)" })
    #expect(table.values.map(\.bitPattern) == rows.flatMap { $0 }.map(\.bitPattern))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["values.csv"])  // no temporary left

    try CSVWriter.write(table, to: path)  // replaces the existing file
    #expect(try Table(csvAt: path) == table)
  }

  @Test func formatsWithFloatDescription() throws {
    #expect(try CSVWriter.text(rows: [[1, 0.5], [1e10, .nan]], header: ["a", "b"]) == "a,b\n1.0,0.5\n1e+10,nan\n")
    #expect(try CSVWriter.text(rows: []) == "")
  }

  @Test func rejectsRaggedRowsAndBadNames() {
    #expect(throws: DataError("row 2 has 1 value but row 1 has 2")) { try CSVWriter.text(rows: [[1, 2], [3]]) }
    #expect(throws: DataError("row 1 has 2 values but the header has 1")) {
      try CSVWriter.text(rows: [[1, 2]], header: ["a"])
    }
    #expect(throws: DataError("column name `a,b` contains a comma, quote or line break")) {
      try CSVWriter.text(rows: [[1]], header: ["a,b"])
    }
  }

  @Test func failedWriteLeavesTheOldFile() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/keep.csv"
    try CSVWriter.write(rows: [[1]], to: path)
    #expect(throws: DataError.self) { try CSVWriter.write(rows: [[1], [2, 3]], to: path) }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "1.0\n")
  }
}
