import GancSource

/// Renders diagnostics as text in the style of rustc: a header with the code, an arrow with
/// `file:line:col`, the source lines with a gutter, `^^^` under the primary range and `---`
/// under secondary ones, then `= note:` and `= help:` lines.
public struct DiagnosticRenderer: Sendable {
  public var colors: Bool

  public init(colors: Bool = false) { self.colors = colors }

  public func render(_ d: Diagnostic, in file: SourceFile) -> String {
    var out = ""
    let sev = d.severity.rawValue
    out += paint("\(sev)[\(d.code.id)]", d.severity == .error ? "1;31" : "1;33")
    out += paint(": \(d.message)", "1") + "\n"

    let primaryLoc = file.location(of: d.primary.range.start)
    let labels: [(Label, Bool)] = [(d.primary, true)] + d.secondary.map { ($0, false) }
    let lines = Set(labels.map { file.location(of: $0.0.range.start).line }).sorted()
    let gutterWidth = String(lines.last ?? 1).count
    let pad = String(repeating: " ", count: gutterWidth)

    out += "\(pad)" + paint("--> ", "1;34") + "\(file.path):\(primaryLoc.line):\(primaryLoc.column)\n"
    out += paint("\(pad) |", "1;34") + "\n"
    var previous: Int?
    for line in lines {
      if let p = previous, line > p + 1 {
        out += paint("...", "1;34") + "\n"
      }
      previous = line
      let number = String(line)
      let text = file.lineText(line)
      out += paint(String(repeating: " ", count: gutterWidth - number.count) + number + " |", "1;34")
      out += text.isEmpty ? "\n" : " \(text)\n"
      let onLine = labels.filter { file.location(of: $0.0.range.start).line == line }
        .sorted { $0.0.range.start < $1.0.range.start }
      for (label, isPrimary) in onLine {
        let start = file.location(of: label.range.start)
        let lineEndOffset = file.lineStarts[line - 1] + file.lineText(line).utf8.count
        let end = file.location(of: min(label.range.end, lineEndOffset))
        let width = max(1, end.column - start.column)
        let marker = String(repeating: isPrimary ? "^" : "-", count: width)
        let color = isPrimary ? (d.severity == .error ? "1;31" : "1;33") : "1;34"
        var markerLine = String(repeating: " ", count: start.column - 1) + paint(marker, color)
        if !label.message.isEmpty { markerLine += " " + paint(label.message, color) }
        out += paint("\(pad) |", "1;34") + " " + markerLine + "\n"
      }
    }
    for note in d.notes {
      out += "\(pad) " + paint("= note:", "1") + " \(note)\n"
    }
    if let help = d.help {
      out += "\(pad) " + paint("= help:", "1") + " \(help)\n"
    }
    return out
  }

  /// All diagnostics, a blank line between them, then a summary line when there are errors.
  public func render(_ bag: DiagnosticBag, in file: SourceFile) -> String {
    var out = ""
    for d in bag.sorted {
      out += render(d, in: file) + "\n"
    }
    let e = bag.errorCount
    let w = bag.warningCount
    if e > 0 {
      out += paint("error", "1;31") + ": \(file.path): \(e) error\(e == 1 ? "" : "s")"
      out += w > 0 ? ", \(w) warning\(w == 1 ? "" : "s")\n" : "\n"
    }
    return out
  }

  private func paint(_ s: String, _ code: String) -> String {
    colors ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
  }
}
