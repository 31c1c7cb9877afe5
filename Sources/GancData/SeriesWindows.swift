/// How to rescale a 1-D series (or windows cut from it) before training.
public enum SeriesNormalization: Sendable, Hashable, CaseIterable {
  /// Values unchanged.
  case none
  /// The whole series mapped linearly so its minimum is −1 and its maximum 1.
  case minMax
  /// The whole series shifted and scaled to mean 0 and (population) standard deviation 1.
  case zScore
  /// Each window mapped linearly on its own so its minimum is −1 and its maximum 1: the shape
  /// of each window is kept, its level and amplitude are not (and cannot be restored).
  case perWindowMinMax

  /// Whether one map applies to every value, so `NormalizedTable.scale` can undo it.
  public var isGlobal: Bool { self != .perWindowMinMax }
}

/// A table after `SeriesNormalization`, with what is needed to undo it.
///
/// Invariants: `table` has the shape of the table it came from. For global normalisations,
/// `scale` maps original values to normalised ones (identity for `.none`), so
/// `scale.inverse` takes generated samples back to the original units (millivolts, say) for
/// plotting; it is nil for `.perWindowMinMax`. After `.minMax` and `.perWindowMinMax`, every
/// value is in −1…1 exactly (results are clamped against rounding).
public struct NormalizedTable: Sendable, Equatable {
  /// The normalised values.
  public let table: Table
  /// The normalisation applied.
  public let normalization: SeriesNormalization
  /// Original → normalised, when one map applies to every value; `scale.inverse` undoes it.
  public let scale: LinearScale?
}

extension Table {
  /// Cuts column `column` (a time series, top to bottom) into overlapping or disjoint windows:
  /// row `w` of the result holds the values at times `w * stride ..< w * stride + length`.
  ///
  /// The result has `(n - length) / stride + 1` rows (n = `rowCount`; a tail shorter than a
  /// stride is dropped) and `length` columns, without names. Errors: a column outside the
  /// table, `length` or `stride` below 1, or a series shorter than one window.
  public func windows(of column: Int, length: Int, stride: Int) throws(DataError) -> Table {
    try checkWindows(column: column, length: length, stride: stride)
    let count = (rowCount - length) / stride + 1
    var out = [Float](repeating: 0, count: count * length)
    values.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        for w in 0..<count {
          for t in 0..<length { target[w * length + t] = source[(w * stride + t) * columnCount + column] }
        }
      }
    }
    return Table(rowCount: count, columnCount: length, values: out)
  }

  /// Windows of column `column` (see `windows(of:length:stride:)`) normalised with
  /// `normalization`. Global normalisations use statistics of the whole column, including any
  /// tail that no window covers, so the map does not depend on `length` or `stride`.
  public func windows(
    of column: Int, length: Int, stride: Int, normalization: SeriesNormalization
  ) throws(DataError) -> NormalizedTable {
    let windows = try windows(of: column, length: length, stride: stride)
    switch normalization {
    case .none, .perWindowMinMax:
      return windows.normalized(normalization)
    case .minMax, .zScore:
      let scale = Self.globalScale(self.column(column), normalization)
      return NormalizedTable(
        table: windows.applying(scale, clamp: normalization == .minMax), normalization: normalization, scale: scale)
    }
  }

  /// This table normalised: `.minMax` and `.zScore` use the statistics of all values (the
  /// table read as one series), `.perWindowMinMax` scales each row on its own (rows being
  /// windows).
  ///
  /// A constant series (or row) maps to all zeros: min-max uses the range c − 1 … c + 1 and
  /// z-score a standard deviation of 1, so the map is still invertible. An empty table stays
  /// empty. Non-finite values (which file readers never produce) make the result non-finite.
  public func normalized(_ normalization: SeriesNormalization) -> NormalizedTable {
    switch normalization {
    case .none:
      return NormalizedTable(table: self, normalization: .none, scale: LinearScale(from: 0...1, to: 0...1))
    case .minMax, .zScore:
      let scale = Self.globalScale(values, normalization)
      return NormalizedTable(
        table: applying(scale, clamp: normalization == .minMax), normalization: normalization, scale: scale)
    case .perWindowMinMax:
      var out = values
      for r in 0..<rowCount {
        let range = r * columnCount..<(r + 1) * columnCount
        let scale = Self.minMaxScale(values[range])
        for i in range { out[i] = min(1, max(-1, scale(values[i]))) }
      }
      return NormalizedTable(
        table: Table(rowCount: rowCount, columnCount: columnCount, values: out, columnNames: columnNames),
        normalization: .perWindowMinMax, scale: nil)
    }
  }

  private func checkWindows(column: Int, length: Int, stride: Int) throws(DataError) {
    guard column >= 0, column < columnCount else {
      let names = columnNames.map { " (\($0.joined(separator: ", ")))" } ?? ""
      throw DataError("column \(column) is outside the table's \(columnCount) columns 0..<\(columnCount)\(names)")
    }
    guard length >= 1 else { throw DataError("a window needs a length of at least 1, got \(length)") }
    guard stride >= 1 else { throw DataError("windows need a stride of at least 1, got \(stride)") }
    guard rowCount >= length else {
      let what = columnNames.map { "column `\($0[column])`" } ?? "column \(column)"
      throw DataError(
        "\(what) has \(rowCount) value\(rowCount == 1 ? "" : "s"), fewer than one window of \(length)")
    }
  }

  /// This table with `scale` applied to every value (clamped to −1…1 if asked).
  private func applying(_ scale: LinearScale, clamp: Bool) -> Table {
    let out = clamp ? values.map { min(1, max(-1, scale($0))) } : values.map { scale($0) }
    return Table(rowCount: rowCount, columnCount: columnCount, values: out, columnNames: columnNames)
  }

  /// The min-max or z-score map of `series` (see `normalized(_:)` for constant series).
  private static func globalScale(_ series: [Float], _ normalization: SeriesNormalization) -> LinearScale {
    if normalization == .minMax { return minMaxScale(series[...]) }
    var sum = 0.0
    for v in series { sum += Double(v) }
    let mean = series.isEmpty ? 0 : sum / Double(series.count)
    var squares = 0.0
    for v in series { squares += (Double(v) - mean) * (Double(v) - mean) }
    let std = series.isEmpty ? 1 : (squares / Double(series.count)).squareRoot()
    return scale(center: mean, halfWidth: std > 0 ? std : 1)
  }

  /// The map taking the minimum of `series` to −1 and the maximum to 1.
  private static func minMaxScale(_ series: ArraySlice<Float>) -> LinearScale {
    var lo = Float.infinity
    var hi = -Float.infinity
    for v in series where v.isFinite {
      lo = min(lo, v)
      hi = max(hi, v)
    }
    if lo > hi { return scale(center: 0, halfWidth: 1) }  // empty, or nothing finite
    if lo == hi { return scale(center: Double(lo), halfWidth: 1) }
    return LinearScale(from: lo...hi, to: -1...1)
  }

  /// The map taking `center ± halfWidth` to ±1, with the half-width widened as far as needed
  /// for the two ends to be distinct finite `Float`s (so the map is invertible); the identity
  /// when even that fails (non-finite statistics, which only non-finite data can cause).
  private static func scale(center: Double, halfWidth: Double) -> LinearScale {
    var h = halfWidth.isFinite && halfWidth > 0 ? halfWidth : 1
    for _ in 0..<200 {
      let lo = Float(center - h)
      let hi = Float(center + h)
      guard lo.isFinite, hi.isFinite else { break }
      if lo < hi { return LinearScale(from: lo...hi, to: -1...1) }
      h *= 2
    }
    return LinearScale(from: -1...1, to: -1...1)
  }
}
