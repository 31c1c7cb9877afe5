/// A CSV file whose rows form keyed groups, such as one row per time step of many pieces of
/// music (`chorale,step,soprano,alto,tenor,bass`, keyed by `chorale`): read as text, grouped
/// by a key column that may hold strings, and cut into fixed-length sequences.
///
/// The format is `CSVReader`'s (commas, `\n` or `\r\n`, spaces and tabs around fields
/// ignored, blank lines skipped but counted, optional byte-order mark, no commas inside
/// fields), except that the first non-blank row is always the header, every name must be
/// non-empty and distinct, and fields are only checked when a column is used: key fields
/// must be non-empty (one level of surrounding double quotes is removed) and fields of numeric
/// columns must be finite numbers. Errors name the file, line and field.
///
/// Invariants: every data row has `columnNames.count` fields; rows keep file order.
public struct KeyedCSV: Sendable {
  /// A run of consecutive rows with the same key.
  public struct Group: Sendable, Hashable {
    /// The key shared by the rows.
    public let key: String
    /// The data rows (0-based, in file order) of the group.
    public let rows: Range<Int>
    /// The file line of the group's first row (1-based, as in an editor).
    public let line: Int
  }

  /// The file read, if any (it labels errors).
  public let path: String?
  /// The header's names, in file order.
  public let columnNames: [String]
  /// The line of the header (1-based).
  public let headerLine: Int
  /// The file's bytes, and for each data row its fields' byte ranges and its line number.
  private let bytes: [UInt8]
  private let fields: [Range<Int>]
  private let lines: [Int]

  /// The number of data rows.
  public var rowCount: Int { lines.count }

  /// Reads the CSV file at `path`.
  public init(path: String) throws(DataError) {
    try self.init(bytes: AtomicFile.load(path), path: path)
  }

  /// Parses CSV `text`; `path`, if given, only labels errors.
  public init(text: String, path: String? = nil) throws(DataError) {
    try self.init(bytes: Array(text.utf8), path: path)
  }

  /// Parses UTF-8 `bytes`; `path`, if given, only labels errors.
  public init(bytes: [UInt8], path: String? = nil) throws(DataError) {
    let reader = CSVReader()
    var start = 0
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
    var names: [String]? = nil
    var headerLine = 0
    var lineNumber = 0
    var lineFields: [Range<Int>] = []
    var fields: [Range<Int>] = []
    var lines: [Int] = []
    while start < bytes.count {
      lineNumber += 1
      var end = start
      while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
      let next = end + 1
      if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
      defer { start = next }
      reader.splitFields(bytes, start..<end, into: &lineFields)
      if lineFields.count == 1, lineFields[0].isEmpty { continue }  // blank line
      guard let header = names else {
        headerLine = lineNumber
        if lineFields.allSatisfy({ CSVReader.isNumberLike(bytes[$0]) }) {
          throw DataError(
            "line \(lineNumber) looks like data, but a keyed CSV file needs a header naming its columns",
            path: path, line: lineNumber)
        }
        var seen: [String: Int] = [:]
        var parsed: [String] = []
        for (index, range) in lineFields.enumerated() {
          let name = CSVReader.name(bytes[range])
          if name.isEmpty {
            throw DataError(
              "line \(lineNumber), field \(index + 1): empty column name", path: path, line: lineNumber,
              field: index + 1)
          }
          if let first = seen[name] {
            throw DataError(
              "line \(lineNumber), field \(index + 1): column `\(name)` is named twice (fields \(first) and "
                + "\(index + 1))", path: path, line: lineNumber, field: index + 1)
          }
          seen[name] = index + 1
          parsed.append(name)
        }
        names = parsed
        continue
      }
      guard lineFields.count == header.count else {
        let plural = lineFields.count == 1 ? "" : "s"
        throw DataError(
          "line \(lineNumber) has \(lineFields.count) field\(plural) but the header (line \(headerLine)) has "
            + "\(header.count)", path: path, line: lineNumber)
      }
      fields += lineFields
      lines.append(lineNumber)
    }
    guard let names else {
      throw DataError(path == nil ? "the text is empty" : "the file is empty", path: path)
    }
    self.path = path
    self.columnNames = names
    self.headerLine = headerLine
    self.bytes = bytes
    self.fields = fields
    self.lines = lines
  }

  /// The index of the column called `name`, or an error at the header that lists the columns
  /// and suggests the closest name.
  public func columnIndex(named name: String) throws(DataError) -> Int {
    if let index = columnNames.firstIndex(of: name) { return index }
    var message = "line \(headerLine): no column named `\(name)`"
    if let suggestion = Self.closest(to: name, in: columnNames) { message += "; did you mean `\(suggestion)`?" }
    message += " (the columns are \(columnNames.map { "`\($0)`" }.joined(separator: ", ")))"
    throw DataError(message, path: path, line: headerLine)
  }

  /// The text of column `name` in every row (one level of surrounding quotes removed).
  public func strings(column name: String) throws(DataError) -> [String] {
    let c = try columnIndex(named: name)
    return (0..<rowCount).map { CSVReader.name(bytes[fields[$0 * columnNames.count + c]]) }
  }

  /// Columns `names` (in that order) of every row as numbers: a table with those names as its
  /// header. Every field must be a finite number, as in `CSVReader`.
  public func numbers(columns names: [String]) throws(DataError) -> Table {
    let indices = try names.map { (name) throws(DataError) in try columnIndex(named: name) }
    let width = columnNames.count
    var values: [Float] = []
    values.reserveCapacity(rowCount * indices.count)
    for r in 0..<rowCount {
      for c in indices {
        values.append(try CSVReader.number(bytes[fields[r * width + c]], line: lines[r], field: c + 1, path: path))
      }
    }
    return Table(rowCount: rowCount, columnCount: indices.count, values: values, columnNames: names)
  }

  /// The runs of consecutive rows with equal values in column `key`, in file order. A key
  /// that appears again after other keys starts a new group (so keys may repeat in the
  /// result). Empty keys are errors.
  public func groups(key: String) throws(DataError) -> [Group] {
    let c = try columnIndex(named: key)
    let width = columnNames.count
    var groups: [Group] = []
    var current: (key: String, start: Int)? = nil
    for r in 0..<rowCount {
      let value = CSVReader.name(bytes[fields[r * width + c]])
      if value.isEmpty {
        throw DataError(
          "line \(lines[r]), field \(c + 1): empty key in column `\(key)`", path: path, line: lines[r], field: c + 1)
      }
      if let open = current, open.key == value { continue }
      if let open = current { groups.append(Group(key: open.key, rows: open.start..<r, line: lines[open.start])) }
      current = (value, r)
    }
    if let open = current { groups.append(Group(key: open.key, rows: open.start..<rowCount, line: lines[open.start])) }
    return groups
  }

  /// Fixed-length sequences cut from each group of `key` (see `KeyedSequences`).
  ///
  /// Each group of n ≥ `length` rows gives `(n - length) / stride + 1` sequences, starting at
  /// its rows 0, `stride`, 2 · `stride`, …; groups shorter than `length` are skipped. A
  /// sequence never spans two groups. Errors: unknown column names, `length` or `stride`
  /// below 1, empty `columns`, a non-numeric field in a selected column.
  public func keyedSequences(
    key: String, columns: [String], length: Int, stride: Int
  ) throws(DataError) -> KeyedSequences {
    guard length >= 1 else { throw DataError("a sequence needs a length of at least 1, got \(length)", path: path) }
    guard stride >= 1 else { throw DataError("sequences need a stride of at least 1, got \(stride)", path: path) }
    guard !columns.isEmpty else { throw DataError("sequences need at least one column", path: path) }
    let groups = try groups(key: key)
    let numbers = try numbers(columns: columns)
    let width = columns.count
    var values: [Float] = []
    var rowKeys: [String] = []
    var kept: [Group] = []
    var skipped: [Group] = []
    for group in groups {
      guard group.rows.count >= length else {
        skipped.append(group)
        continue
      }
      kept.append(group)
      let count = (group.rows.count - length) / stride + 1
      for s in 0..<count {
        let first = group.rows.lowerBound + s * stride
        values += numbers.values[first * width..<(first + length) * width]  // time-major already
        rowKeys.append(group.key)
      }
    }
    let names = (0..<length).flatMap { t in columns.map { "\($0)[\(t)]" } }
    let table = Table(rowCount: rowKeys.count, columnCount: length * width, values: values, columnNames: names)
    return KeyedSequences(table: table, rowKeys: rowKeys, keptGroups: kept, skippedGroups: skipped)
  }

  /// The table of `keyedSequences(key:columns:length:stride:)`: one row per sequence,
  /// time-major (`c0[0], c1[0], …, c0[1], …`), so a row reshapes to [`length`, `columns.count`].
  public func sequences(key: String, columns: [String], length: Int, stride: Int) throws(DataError) -> Table {
    try keyedSequences(key: key, columns: columns, length: length, stride: stride).table
  }

  /// The name in `names` nearest to `name` by edit distance (ignoring case), if near enough
  /// to be a likely typo: at most a third of the longer name's length, and at least 1.
  static func closest(to name: String, in names: [String]) -> String? {
    let target = Array(name.lowercased())
    var best: (String, Int)? = nil
    for candidate in names {
      let d = editDistance(target, Array(candidate.lowercased()))
      if d <= max(1, max(target.count, candidate.count) / 3), best == nil || d < best!.1 { best = (candidate, d) }
    }
    return best?.0
  }

  private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
      current[0] = i
      for j in stride(from: 1, through: b.count, by: 1) {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}

/// Fixed-length sequences cut from the groups of a `KeyedCSV`, with what was kept and skipped.
///
/// Invariants: `table.rowCount == rowKeys.count`; row `i` comes from one group, whose key is
/// `rowKeys[i]`; rows follow file order; `table.columnCount == length * columns.count`, with
/// names `column[t]`, time-major. `keptGroups` and `skippedGroups` together are all groups,
/// each in file order; a group is skipped exactly when it has fewer rows than `length`.
public struct KeyedSequences: Sendable, Equatable {
  /// One row per sequence, time-major.
  public let table: Table
  /// The key of each row's group.
  public let rowKeys: [String]
  /// The groups that gave at least one sequence.
  public let keptGroups: [KeyedCSV.Group]
  /// The groups shorter than one sequence.
  public let skippedGroups: [KeyedCSV.Group]
}
