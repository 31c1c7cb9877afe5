/// A dense numbering of distinct values, e.g. the MIDI pitches that occur in some voices,
/// so they can be used as class ids `0..<count`.
///
/// Invariants: `values` is sorted ascending, without duplicates or NaN; `index(of: values[i])
/// == i` and `value(at: i) == values[i]` for every i. (0 and −0 are one value.)
public struct Vocabulary: Sendable, Hashable, Codable {
  /// The distinct values, ascending; value `values[i]` has index `i`.
  public let values: [Float]

  /// The vocabulary of the distinct values in `values` (NaN is ignored: it equals nothing).
  public init(values: some Sequence<Float>) {
    var sorted = values.filter { !$0.isNaN }.sorted()
    var unique = 0
    for v in sorted where unique == 0 || sorted[unique - 1] != v {
      sorted[unique] = v
      unique += 1
    }
    self.values = Array(sorted[0..<unique])
  }

  /// The vocabulary of the values in `columns` of `table` (all columns by default).
  public init(table: Table, columns: [Int]? = nil) throws(DataError) {
    let columns = try table.checkedColumns(columns)
    var seen: [Float] = []
    seen.reserveCapacity(table.rowCount * columns.count)
    for r in 0..<table.rowCount {
      for c in columns { seen.append(table.values[r * table.columnCount + c]) }
    }
    self.init(values: seen)
  }

  private enum CodingKeys: String, CodingKey { case values }

  /// Decodes `values`, rejecting a list that is not strictly ascending or holds NaN (a
  /// checkpoint is input, so a bad one is an error rather than a broken invariant).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let values = try container.decode([Float].self, forKey: .values)
    guard !values.contains(where: \.isNaN), zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath + [CodingKeys.values],
          debugDescription: "vocabulary values must be strictly ascending and not NaN"))
    }
    self.values = values
  }

  /// The number of distinct values (class ids are `0..<count`).
  public var count: Int { values.count }

  /// The index of `value`, or nil if it is not in the vocabulary.
  public func index(of value: Float) -> Int? {
    var lo = 0
    var hi = values.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if values[mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo < values.count && values[lo] == value ? lo : nil
  }

  /// The value with index `index`, which must be in `0..<count`.
  public func value(at index: Int) -> Float {
    precondition(index >= 0 && index < values.count, "vocabulary index \(index) outside 0..<\(values.count)")
    return values[index]
  }

  /// `table` with every value in `columns` (all by default) replaced by its index. Errors:
  /// a column outside the table, or a value not in the vocabulary (naming its row and column).
  public func encode(_ table: Table, columns: [Int]? = nil) throws(DataError) -> Table {
    try table.mapping(columns: columns) { (value, row, column) throws(DataError) in
      guard let index = index(of: value) else {
        throw DataError(
          "row \(row), column \(table.columnNames?[column] ?? String(column)): \(value) is not in the vocabulary "
            + "of \(count) values")
      }
      return Float(index)
    }
  }

  /// `table` with every index in `columns` (all by default) replaced by its value: the
  /// inverse of `encode`. Errors: a column outside the table, or an entry that is not an
  /// integer in `0..<count` (a generated sample's class ids, say, before rounding).
  public func decode(_ table: Table, columns: [Int]? = nil) throws(DataError) -> Table {
    try table.mapping(columns: columns) { (index, row, column) throws(DataError) in
      guard index >= 0, index < Float(count), index.rounded(.towardZero) == index else {
        throw DataError(
          "row \(row), column \(table.columnNames?[column] ?? String(column)): \(index) is not an index of the "
            + "vocabulary (0..<\(count))")
      }
      return values[Int(index)]
    }
  }
}

extension Table {
  /// `columns` (all when nil), checked to be inside the table.
  func checkedColumns(_ columns: [Int]?) throws(DataError) -> [Int] {
    guard let columns else { return Array(0..<columnCount) }
    for c in columns where c < 0 || c >= columnCount {
      throw DataError("column \(c) is outside the table's \(columnCount) columns 0..<\(columnCount)")
    }
    return columns
  }

  /// This table with `transform(value, row, column)` applied to the values of `columns`
  /// (all when nil); other columns are unchanged.
  func mapping(
    columns: [Int]?, _ transform: (Float, Int, Int) throws(DataError) -> Float
  ) throws(DataError) -> Table {
    let columns = try checkedColumns(columns)
    var out = values
    for r in 0..<rowCount {
      for c in columns { out[r * columnCount + c] = try transform(values[r * columnCount + c], r, c) }
    }
    return Table(rowCount: rowCount, columnCount: columnCount, values: out, columnNames: columnNames)
  }
}
