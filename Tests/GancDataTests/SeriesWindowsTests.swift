import Foundation
import GancData
import Testing

/// A two-column table whose column 1 is the series `values` (column 0 is noise to skip).
private func series(_ values: [Float]) -> Table {
  Table(
    rowCount: values.count, columnCount: 2, values: values.flatMap { [-99, $0] }, columnNames: ["time", "mv"])
}

@Suite struct SeriesWindowsTests {
  /// (series length, window length, stride, expected windows)
  @Test(arguments: [
    (10, 3, 1, 8), (10, 3, 3, 3), (10, 10, 1, 1), (10, 4, 7, 1), (11, 4, 7, 2), (1, 1, 5, 1), (100, 24, 12, 7),
  ])
  func countsAndContents(n: Int, length: Int, stride: Int, expected: Int) throws {
    let table = series((0..<n).map(Float.init))
    let windows = try table.windows(of: 1, length: length, stride: stride)
    #expect(windows.rowCount == expected && windows.columnCount == length)
    for w in 0..<windows.rowCount {
      #expect(Array(windows.row(w)) == (w * stride..<w * stride + length).map(Float.init))
    }
  }

  /// Bad arguments and the message each must give.
  @Test(
    arguments: [
      (2, 3, 1, "column 2 is outside the table's 2 columns 0..<2 (time, mv)"),
      (-1, 3, 1, "column -1 is outside"),
      (1, 0, 1, "a window needs a length of at least 1, got 0"),
      (1, 3, 0, "windows need a stride of at least 1, got 0"),
      (1, 6, 1, "column `mv` has 5 values, fewer than one window of 6"),
    ])
  func rejectsBadArguments(column: Int, length: Int, stride: Int, message: String) {
    let table = series([1, 2, 3, 4, 5])
    let error = #expect(throws: DataError.self) { try table.windows(of: column, length: length, stride: stride) }
    #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
    #expect(throws: DataError.self) {
      try table.windows(of: column, length: length, stride: stride, normalization: .minMax)
    }
  }

  @Test func minMaxUsesTheWholeSeriesAndInverts() throws {
    // The tail (the last value, 12) is in no window but still sets the range.
    let values: [Float] = [0, 1, 2, 3, 4, 5, -3, 7, 8, 12]
    let result = try series(values).windows(of: 1, length: 3, stride: 2, normalization: .minMax)
    #expect(result.table.rowCount == 4)
    let scale = try #require(result.scale)
    #expect(scale.from == -3...12 && scale.to == -1...1)
    for w in 0..<4 {
      for t in 0..<3 {
        let original = values[w * 2 + t]
        let normalised = result.table[w, t]
        #expect(abs(normalised - ((original + 3) / 15 * 2 - 1)) < 1e-6)
        #expect(abs(scale.inverse(normalised) - original) < 1e-5)
        #expect(normalised >= -1 && normalised < 1)
      }
    }
  }

  @Test func zScoreHasMeanZeroAndUnitDeviation() throws {
    let values = (0..<200).map { Float(sin(Double($0) * 0.1) * 3 + 7) }
    let result = try series(values).windows(of: 1, length: 20, stride: 20, normalization: .zScore)
    let all = result.table.values  // the windows tile the whole series
    let mean = all.reduce(0, +) / Float(all.count)
    let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(all.count)
    #expect(abs(mean) < 1e-5)
    #expect(abs(variance - 1) < 1e-4)
    let scale = try #require(result.scale)
    for i in [0, 17, 199] { #expect(abs(scale.inverse(all[i]) - values[i]) < 1e-4) }
  }

  @Test func perWindowMinMaxScalesEachWindow() throws {
    let values: [Float] = [0, 10, 5, 100, 200, 150, 7, 7, 7]
    let result = try series(values).windows(of: 1, length: 3, stride: 3, normalization: .perWindowMinMax)
    #expect(result.scale == nil)
    #expect(result.table.values == [-1, 1, 0, -1, 1, 0, 0, 0, 0])  // a constant window maps to zeros
  }

  @Test func noneKeepsValuesAndHasTheIdentityScale() throws {
    let values: [Float] = [3, -2, 8, 1]
    let result = try series(values).windows(of: 1, length: 2, stride: 1, normalization: .none)
    #expect(result.table.values == [3, -2, -2, 8, 8, 1])
    #expect(result.scale.map { $0(5) } == 5)
  }

  @Test(arguments: SeriesNormalization.allCases)
  func constantSeriesMapsToZerosAndInverts(normalization: SeriesNormalization) throws {
    let result = Table(rowCount: 2, columnCount: 3, values: [4, 4, 4, 4, 4, 4]).normalized(normalization)
    #expect(result.table.values == [Float](repeating: normalization == .none ? 4 : 0, count: 6))
    #expect(result.normalization == normalization)
    #expect((result.scale == nil) == !normalization.isGlobal)
    if let scale = result.scale { #expect(scale.inverse(result.table[0, 0]) == 4) }
  }

  @Test func normalizedTreatsTheTableAsOneSeries() {
    let table = Table(rowCount: 2, columnCount: 2, values: [0, 2, 4, 8], columnNames: ["a", "b"])
    let result = table.normalized(.minMax)
    #expect(result.table.values == [-1, -0.5, 0, 1])
    #expect(result.table.columnNames == ["a", "b"])
  }

  @Test func realECG() throws {
    let ecg = try Table(csvAt: requireSharedData("ecg_mitbih208.csv"))
    #expect(ecg.rowCount == 108_000 && ecg.columnNames == ["mv"])
    let result = try ecg.windows(of: 0, length: 256, stride: 128, normalization: .minMax)
    #expect(result.table.rowCount == (108_000 - 256) / 128 + 1)
    #expect(result.table.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    #expect(result.table.values.contains(-1) && result.table.values.contains(1))
    let scale = try #require(result.scale)
    let column = ecg.column(0)
    #expect(scale.from == column.min()!...column.max()!)
    let w = 300
    for t in stride(from: 0, to: 256, by: 17) {
      #expect(abs(scale.inverse(result.table[w, t]) - column[w * 128 + t]) < 1e-4, "window \(w), step \(t)")
    }
  }
}
