import GancSource

/// Renders diagnostics as JSON, one object per line (JSON Lines), for editors and CI.
///
/// Each object has `code`, `severity`, `message`, `file`, `primary` and `secondary` spans
/// (1-based `line`/`column` and `end_line`/`end_column`, 0-based byte `offset`/`end_offset`,
/// and the span's `label`), `notes` and `help` (null when there is none). Columns count
/// Unicode scalars, as in the text output; offsets count UTF-8 bytes.
public struct JSONRenderer: Sendable {
  public init() {}

  public func render(_ d: Diagnostic, in file: SourceFile) -> String {
    var fields: [(String, String)] = [
      ("code", quote(d.code.id)),
      ("severity", quote(d.severity.rawValue)),
      ("message", quote(d.message)),
      ("file", quote(file.path)),
      ("primary", span(d.primary, file)),
      ("secondary", "[" + d.secondary.map { span($0, file) }.joined(separator: ",") + "]"),
      ("notes", "[" + d.notes.map(quote).joined(separator: ",") + "]"),
    ]
    fields.append(("help", d.help.map(quote) ?? "null"))
    return "{" + fields.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
  }

  /// Every diagnostic in source order, one per line.
  public func render(_ bag: DiagnosticBag, in file: SourceFile) -> String {
    bag.sorted.map { render($0, in: file) + "\n" }.joined()
  }

  private func span(_ label: Label, _ file: SourceFile) -> String {
    let start = file.location(of: label.range.start)
    let end = file.location(of: label.range.end)
    return "{\"line\":\(start.line),\"column\":\(start.column),\"end_line\":\(end.line),\"end_column\":\(end.column),"
      + "\"offset\":\(start.offset),\"end_offset\":\(end.offset),\"label\":\(quote(label.message))}"
  }

  /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
  public func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where u.value < 0x20:
        let hex = String(u.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(u)
      }
    }
    return out + "\""
  }
}
