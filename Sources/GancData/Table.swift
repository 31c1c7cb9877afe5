/// A rectangular table of numbers, stored row-major in one `[Float]`.
///
/// Invariants: `values.count == rowCount * columnCount`, and `columnNames`, when present, has
/// exactly `columnCount` entries. Row `r` occupies `values[r * columnCount ..< (r + 1) * columnCount]`,
/// so a batch of rows copies as contiguous runs. Tables read from CSV or IDX files contain
/// only finite values (the readers reject `nan` and out-of-range numbers); tables built in
/// code may hold anything.
public struct Table: Sendable, Equatable {
  /// Number of rows (examples).
  public let rowCount: Int
  /// Number of columns (features, and the label if the file has one).
  public let columnCount: Int
  /// Row-major storage: element (r, c) is `values[r * columnCount + c]`.
  public private(set) var values: [Float]
  /// The header's names, if the table had one.
  public let columnNames: [String]?

  /// A table over `values` (row-major). Traps if the counts disagree, since that is a bug in
  /// the caller rather than bad input.
  public init(rowCount: Int, columnCount: Int, values: [Float], columnNames: [String]? = nil) {
    precondition(rowCount >= 0 && columnCount >= 0, "negative table shape")
    precondition(
      values.count == rowCount * columnCount,
      "\(values.count) values do not fill \(rowCount) × \(columnCount)")
    precondition(
      columnNames == nil || columnNames!.count == columnCount,
      "\(columnNames?.count ?? 0) column names for \(columnCount) columns")
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.values = values
    self.columnNames = columnNames
  }

  /// Reads the CSV file at `path` with `CSVReader`'s default rules (header detected).
  public init(csvAt path: String) throws(DataError) {
    self = try CSVReader().read(path: path)
  }

  /// Parses CSV `text`; `path` only labels error messages.
  public init(csv text: String, header: CSVReader.Header = .detect, path: String? = nil) throws(DataError) {
    self = try CSVReader(header: header).parse(text, path: path)
  }

  /// Element (row, column).
  public subscript(row: Int, column: Int) -> Float {
    get {
      precondition(column >= 0 && column < columnCount, "column \(column) outside 0..<\(columnCount)")
      return values[row * columnCount + column]
    }
    set {
      precondition(column >= 0 && column < columnCount, "column \(column) outside 0..<\(columnCount)")
      values[row * columnCount + column] = newValue
    }
  }

  /// The values of row `index`.
  public func row(_ index: Int) -> ArraySlice<Float> {
    precondition(index >= 0 && index < rowCount, "row \(index) outside 0..<\(rowCount)")
    return values[index * columnCount..<(index + 1) * columnCount]
  }

  /// The values of column `index`, top to bottom.
  public func column(_ index: Int) -> [Float] {
    precondition(index >= 0 && index < columnCount, "column \(index) outside 0..<\(columnCount)")
    return (0..<rowCount).map { values[$0 * columnCount + index] }
  }

  /// The index of the column called `name`, if the table has a header that names it.
  public func columnIndex(named name: String) -> Int? {
    columnNames?.firstIndex(of: name)
  }

  /// A new table of the given rows (in the given order, repeats allowed) and columns.
  public func selecting(rows: [Int]? = nil, columns: Range<Int>? = nil) -> Table {
    let rows = rows ?? Array(0..<rowCount)
    let columns = columns ?? 0..<columnCount
    var out = [Float](repeating: 0, count: rows.count * columns.count)
    out.withUnsafeMutableBufferPointer { gather(rows: rows, columns: columns, scale: nil, into: $0) }
    return Table(
      rowCount: rows.count, columnCount: columns.count, values: out,
      columnNames: columnNames.map { Array($0[columns]) })
  }

  /// Copies `columns` of each of `rows` into `buffer`, one row after another, optionally
  /// mapping every value through `scale` (e.g. digit pixels 0...16 to the generator's −1...1).
  ///
  /// Writes exactly `rows.count * columns.count` values at the start of `buffer`, which must be
  /// at least that long; this is the minibatch path, so it allocates nothing.
  public func gather(
    rows: [Int], columns: Range<Int>, scale: LinearScale?,
    into buffer: UnsafeMutableBufferPointer<Float>
  ) {
    precondition(
      columns.lowerBound >= 0 && columns.upperBound <= columnCount,
      "columns \(columns) outside 0..<\(columnCount)")
    let width = columns.count
    precondition(
      buffer.count >= rows.count * width,
      "buffer of \(buffer.count) for \(rows.count) × \(width) values")
    values.withUnsafeBufferPointer { source in
      var out = 0
      for r in rows {
        precondition(r >= 0 && r < rowCount, "row \(r) outside 0..<\(rowCount)")
        let start = r * columnCount + columns.lowerBound
        if let scale {
          for c in 0..<width { buffer[out + c] = scale(source[start + c]) }
        } else {
          for c in 0..<width { buffer[out + c] = source[start + c] }
        }
        out += width
      }
    }
  }
}

extension Table {
  /// This table with `other`'s columns after its own, row by row (images and their labels).
  /// The row counts must agree.
  public func appendingColumns(of other: Table) -> Table {
    precondition(other.rowCount == rowCount, "appendingColumns needs equal row counts")
    let width = columnCount + other.columnCount
    var v = [Float]()
    v.reserveCapacity(rowCount * width)
    for r in 0..<rowCount {
      v += values[(r * columnCount)..<((r + 1) * columnCount)]
      v += other.values[(r * other.columnCount)..<((r + 1) * other.columnCount)]
    }
    return Table(rowCount: rowCount, columnCount: width, values: v)
  }
}
