/// Reads numeric CSV into a `Table`.
///
/// The accepted format: fields separated by commas, one row per line, `\n` or `\r\n` line
/// ends, spaces and tabs around a field ignored, blank lines ignored (but still counted, so
/// line numbers in errors match an editor), an optional UTF-8 byte-order mark. Every data
/// field must be a finite decimal number that fits a `Float` (`-1.5`, `.5`, `2e-3`, `16`);
/// `nan`, `inf`, hexadecimal and empty fields are errors, because a silently missing or
/// infinite value would poison training far from its cause. Every row must have as many
/// fields as the first row. The first non-blank row may be a header of names (quoted or
/// not, but without commas); by default it is a header exactly when one of its fields is not
/// number-like.
///
/// Reading never traps: any input gives a `Table` or a `DataError` that names the line and
/// field.
public struct CSVReader: Sendable {
  /// How to treat the first non-blank row.
  public enum Header: Sendable, Hashable {
    /// A header when any of its fields is neither empty nor number-like (`nan`/`inf` count as
    /// number-like, so a first data row containing `nan` is reported rather than taken as names).
    case detect
    /// Always names.
    case present
    /// Always data.
    case absent
  }

  /// How the first non-blank row is treated.
  public var header: Header

  /// A reader with the given header rule (detected by default).
  public init(header: Header = .detect) {
    self.header = header
  }

  /// Reads and parses the file at `path`.
  public func read(path: String) throws(DataError) -> Table {
    try parse(bytes: AtomicFile.load(path), path: path)
  }

  /// Parses `text`; `path`, if given, only labels errors.
  public func parse(_ text: String, path: String? = nil) throws(DataError) -> Table {
    try parse(bytes: Array(text.utf8), path: path)
  }

  /// Parses UTF-8 `bytes`; `path`, if given, only labels errors.
  public func parse(bytes: [UInt8], path: String? = nil) throws(DataError) -> Table {
    var start = 0
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }

    var values: [Float] = []
    var names: [String]? = nil
    var width = -1  // fields per row, fixed by the first non-blank row
    var firstLine = 0
    var lineNumber = 0
    var fields: [Range<Int>] = []

    while start < bytes.count {
      lineNumber += 1
      var end = start
      while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
      let next = end + 1
      if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
      defer { start = next }

      splitFields(bytes, start..<end, into: &fields)
      if fields.count == 1, fields[0].isEmpty { continue }  // blank line

      if width < 0 {
        width = fields.count
        firstLine = lineNumber
        let isHeader: Bool
        switch header {
        case .present: isHeader = true
        case .absent: isHeader = false
        case .detect: isHeader = fields.contains { !$0.isEmpty && !Self.isNumberLike(bytes[$0]) }
        }
        if isHeader {
          names = fields.map { Self.name(bytes[$0]) }
          continue
        }
      } else if fields.count != width {
        let plural = fields.count == 1 ? "" : "s"
        throw DataError(
          "line \(lineNumber) has \(fields.count) field\(plural) but line \(firstLine) has \(width)",
          path: path, line: lineNumber)
      }

      for (index, range) in fields.enumerated() {
        values.append(try Self.number(bytes[range], line: lineNumber, field: index + 1, path: path))
      }
    }

    if width < 0 {
      throw DataError(path == nil ? "the text is empty" : "the file is empty", path: path)
    }
    if values.isEmpty {
      throw DataError("line \(firstLine) is a header but no data rows follow", path: path, line: firstLine)
    }
    return Table(rowCount: values.count / width, columnCount: width, values: values, columnNames: names)
  }

  /// Comma-separated field ranges of `line`, each trimmed of spaces and tabs.
  func splitFields(_ bytes: [UInt8], _ line: Range<Int>, into fields: inout [Range<Int>]) {
    fields.removeAll(keepingCapacity: true)
    var fieldStart = line.lowerBound
    var i = line.lowerBound
    while true {
      if i == line.upperBound || bytes[i] == UInt8(ascii: ",") {
        var lo = fieldStart
        var hi = i
        while lo < hi, Self.isBlank(bytes[lo]) { lo += 1 }
        while hi > lo, Self.isBlank(bytes[hi - 1]) { hi -= 1 }
        fields.append(lo..<hi)
        if i == line.upperBound { return }
        fieldStart = i + 1
      }
      i += 1
    }
  }

  private static func isBlank(_ b: UInt8) -> Bool {
    b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")
  }

  /// The value of one data field, or an error that says what is wrong with it.
  static func number(
    _ field: ArraySlice<UInt8>, line: Int, field index: Int,
    path: String?
  ) throws(DataError) -> Float {
    func fail(_ problem: String) -> DataError {
      DataError("line \(line), field \(index): \(problem)", path: path, line: line, field: index)
    }
    if field.isEmpty { throw fail("empty field") }
    // Validate the syntax ourselves: Float(String) also accepts hex and `nan(...)` forms,
    // which would make the file format depend on the C library.
    switch scanDecimal(field) {
    case .exact(let value):
      return value
    case .valid:
      if let value = Float(String(decoding: field, as: UTF8.self)) {
        if value.isFinite { return value }
        throw fail("`\(excerpt(field))` is too large for a 32-bit float")
      }
    case .invalid:
      break
    }
    if isSpecial(field) { throw fail("`\(excerpt(field))` is not a finite number") }
    throw fail("`\(excerpt(field))` is not a number")
  }

  /// The outcome of scanning a field as a decimal number.
  enum Scan {
    /// Not of the form `[+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?`.
    case invalid
    /// Valid, and simple enough that `value` is the correctly rounded result.
    case exact(Float)
    /// Valid, but needs the general (slower) conversion.
    case valid
  }

  /// Whether `field` is a decimal number, and its value when that is cheap to get exactly.
  ///
  /// The cheap case is Clinger's fast path: when the decimal digits form an integer m ≤ 2²⁴
  /// and the power of ten p is within ±10, both m and 10^|p| are exact `Float`s, so one
  /// correctly rounded multiply or divide gives the correctly rounded value, bit-identical
  /// to `Float(String)`. It covers pixel values and typical exported decimals and avoids the
  /// general conversion's cost (over half the parse time on large files).
  static func scanDecimal(_ field: ArraySlice<UInt8>) -> Scan {
    var i = field.startIndex
    let end = field.endIndex
    var mantissa: UInt32 = 0
    var fast = true  // mantissa still exact and ≤ 2²⁴
    var negative = false
    var fractionDigits = 0
    func digits(fraction: Bool) -> Int {
      let s = i
      while i < end, field[i] >= UInt8(ascii: "0"), field[i] <= UInt8(ascii: "9") {
        if fast {
          mantissa = mantissa * 10 + UInt32(field[i] - UInt8(ascii: "0"))
          if mantissa > 1 << 24 { fast = false }
          if fraction { fractionDigits += 1 }
        }
        i += 1
      }
      return i - s
    }
    if i < end, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") {
      negative = field[i] == UInt8(ascii: "-")
      i += 1
    }
    var count = digits(fraction: false)
    if i < end, field[i] == UInt8(ascii: ".") {
      i += 1
      count += digits(fraction: true)
    }
    if count == 0 { return .invalid }
    var exponent = 0
    if i < end, field[i] == UInt8(ascii: "e") || field[i] == UInt8(ascii: "E") {
      i += 1
      var exponentNegative = false
      if i < end, field[i] == UInt8(ascii: "+") || field[i] == UInt8(ascii: "-") {
        exponentNegative = field[i] == UInt8(ascii: "-")
        i += 1
      }
      let s = i
      while i < end, field[i] >= UInt8(ascii: "0"), field[i] <= UInt8(ascii: "9") {
        exponent = min(exponent * 10 + Int(field[i] - UInt8(ascii: "0")), 1_000_000)  // capped: only "huge" matters
        i += 1
      }
      if i == s { return .invalid }
      if exponentNegative { exponent = -exponent }
    }
    if i != end { return .invalid }
    let power = exponent - fractionDigits
    guard fast, power >= -10, power <= 10 else { return .valid }
    var value = Float(mantissa)
    if power < 0 { value /= powersOfTen[-power] } else { value *= powersOfTen[power] }
    return .exact(negative ? -value : value)
  }

  /// 10⁰ … 10¹⁰, all exactly representable as `Float` (5¹⁰ < 2²⁴).
  private static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

  static func isDecimal(_ field: ArraySlice<UInt8>) -> Bool {
    if case .invalid = scanDecimal(field) { return false }
    return true
  }

  /// `nan`, `inf`, `infinity` in any case, optionally signed: values a number column might
  /// contain, but which are not finite.
  static func isSpecial(_ field: ArraySlice<UInt8>) -> Bool {
    var body = field
    if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { body = body.dropFirst() }
    let word = String(decoding: body, as: UTF8.self).lowercased()
    return word == "nan" || word == "inf" || word == "infinity"
  }

  static func isNumberLike(_ field: ArraySlice<UInt8>) -> Bool {
    isDecimal(field) || isSpecial(field)
  }

  /// A header name with one level of surrounding double quotes removed (`""` inside → `"`).
  static func name(_ field: ArraySlice<UInt8>) -> String {
    let text = String(decoding: field, as: UTF8.self)
    guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
    var unquoted = ""
    var previousWasQuote = false
    for c in text.dropFirst().dropLast() {
      if c == "\"", previousWasQuote {
        previousWasQuote = false
        continue
      }
      unquoted.append(c)
      previousWasQuote = c == "\""
    }
    return unquoted
  }

  /// At most 40 characters of `text`, so one absurd field cannot flood a message.
  static func excerpt(_ field: ArraySlice<UInt8>) -> String {
    let text = String(decoding: field, as: UTF8.self)
    return text.count <= 40 ? text : String(text.prefix(40)) + "…"
  }
}
