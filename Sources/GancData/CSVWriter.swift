/// Writes rows of floats as CSV that `CSVReader` reads back exactly.
///
/// Numbers use `Float.description`, the shortest text that parses back to the same `Float`,
/// so a write/read round trip is lossless. Non-finite values are written as `nan`, `inf` and
/// `-inf` (useful in a training log) even though `CSVReader` rejects them as data. Header names
/// must not contain commas, quotes or line breaks, since the reader does not unquote those.
///
/// Files are replaced atomically: the text goes to a temporary file in the same directory,
/// is flushed to disk, and is renamed over the destination, so a crash or a full disk never
/// leaves a half-written file where the previous complete one was.
public enum CSVWriter {
  /// The CSV text of `rows`, with a header line first if `header` is given. Every row must
  /// have the same length (and as many values as `header` has names).
  public static func text(rows: [[Float]], header: [String]? = nil) throws(DataError) -> String {
    let width = header?.count ?? rows.first?.count ?? 0
    var out = ""
    if let header {
      for name in header where name.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) {
        throw DataError("column name `\(name)` contains a comma, quote or line break")
      }
      out += header.joined(separator: ",") + "\n"
    }
    for (index, row) in rows.enumerated() {
      guard row.count == width else {
        let plural = row.count == 1 ? "" : "s"
        let reference = header == nil ? "row 1" : "the header"
        throw DataError("row \(index + 1) has \(row.count) value\(plural) but \(reference) has \(width)")
      }
      out += row.map(\.description).joined(separator: ",") + "\n"
    }
    return out
  }

  /// The CSV text of `table`, with its column names as the header if it has them.
  public static func text(_ table: Table) throws(DataError) -> String {
    let rows = (0..<table.rowCount).map { Array(table.row($0)) }
    return try text(rows: rows, header: table.columnNames)
  }

  /// Writes `rows` (and `header`) to `path` atomically.
  public static func write(rows: [[Float]], header: [String]? = nil, to path: String) throws(DataError) {
    try AtomicFile.store(Array(text(rows: rows, header: header).utf8), at: path)
  }

  /// Writes `table` to `path` atomically.
  public static func write(_ table: Table, to path: String) throws(DataError) {
    try AtomicFile.store(Array(text(table).utf8), at: path)
  }
}
