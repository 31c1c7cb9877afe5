import GancDiagnostics
import GancSource
import Testing

// Marker-based diagnostic assertions in the spirit of swift-syntax's `assertParse`: the
// source is written with markers such as `1️⃣` where diagnostics must point; the markers
// are stripped to get the source and their byte offsets. Shared by the front-end test targets.

/// Source text with its location markers (`0️⃣` … `9️⃣`) removed, and the byte offset
/// at which each marker stood.
public struct MarkedSource {
  public let text: String
  public let markers: [String: Int]

  public init(_ marked: String) {
    var bytes: [UInt8] = []
    var markers: [String: Int] = [:]
    let scalars = Array(marked.unicodeScalars)
    var i = 0
    while i < scalars.count {
      let s = scalars[i]
      if (0x30...0x39).contains(s.value), i + 2 < scalars.count, scalars[i + 1] == "\u{FE0F}",
        scalars[i + 2] == "\u{20E3}"
      {
        let name = String(String.UnicodeScalarView(scalars[i...i + 2]))
        precondition(markers[name] == nil, "marker \(name) used twice")
        markers[name] = bytes.count
        i += 3
        continue
      }
      bytes.append(contentsOf: String(s).utf8)
      i += 1
    }
    self.text = String(decoding: bytes, as: UTF8.self)
    self.markers = markers
  }

  public func offset(_ marker: String) -> Int {
    guard let o = markers[marker] else {
      Issue.record("no marker \(marker) in the source")
      return -1
    }
    return o
  }
}

/// What a diagnostic must be: code, message and primary position always; the rest when given.
public struct DiagnosticSpec: CustomStringConvertible {
  public var code: DiagnosticCode
  public var message: String
  /// The marker at which the primary range starts.
  public var marker: String
  /// The marker at which the primary range ends, when checked.
  public var end: String?
  /// The primary label's text, when checked.
  public var label: String?
  /// Secondary labels as (marker of the start, text), in order, when checked.
  public var secondary: [(String, String)]?
  public var notes: [String]?
  /// The help line, when checked; "" checks that there is none.
  public var help: String?

  public init(
    _ code: DiagnosticCode, _ message: String, at marker: String = "1️⃣", end: String? = nil,
    label: String? = nil, secondary: [(String, String)]? = nil, notes: [String]? = nil, help: String? = nil
  ) {
    self.code = code
    self.message = message
    self.marker = marker
    self.end = end
    self.label = label
    self.secondary = secondary
    self.notes = notes
    self.help = help
  }

  public var description: String { "\(code.id) at \(marker): \(message)" }
}

/// One line per diagnostic, for failure messages.
public func describe(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
  if diagnostics.isEmpty { return "  (none)" }
  return diagnostics.map { d in
    let loc = file.location(of: d.primary.range.start)
    var s = "  \(d.code.id) \(loc) [\(d.primary.range)] \(d.message)"
    if !d.primary.message.isEmpty { s += " — label: \(d.primary.message)" }
    for l in d.secondary { s += "\n      secondary \(file.location(of: l.range.start)): \(l.message)" }
    for n in d.notes { s += "\n      note: \(n)" }
    if let h = d.help { s += "\n      help: \(h)" }
    return s
  }.joined(separator: "\n")
}

/// Diagnostics in source order (stable for equal positions).
public func sortedByPosition(_ ds: [Diagnostic]) -> [Diagnostic] {
  ds.enumerated().sorted { a, b in
    a.element.primary.range.start != b.element.primary.range.start
      ? a.element.primary.range.start < b.element.primary.range.start : a.offset < b.offset
  }.map(\.element)
}

/// Checks `actual` (in source order) against `specs`, one for one.
public func assertDiagnostics(
  _ actual: [Diagnostic], _ specs: [DiagnosticSpec], source: MarkedSource, file: SourceFile,
  sourceLocation: Testing.SourceLocation
) {
  let actual = sortedByPosition(actual)
  guard actual.count == specs.count else {
    let expected = specs.map { "  \($0)" }.joined(separator: "\n")
    Issue.record(
      "expected \(specs.count) diagnostic(s), got \(actual.count):\n\(describe(actual, in: file))\nexpected:\n\(expected)",
      sourceLocation: sourceLocation)
    return
  }
  for (d, spec) in zip(actual, specs) {
    let context = "\n\(describe([d], in: file))"
    #expect(d.code == spec.code, "code\(context)", sourceLocation: sourceLocation)
    #expect(d.message == spec.message, "message\(context)", sourceLocation: sourceLocation)
    #expect(
      d.primary.range.start == source.offset(spec.marker),
      "primary position: expected \(file.location(of: source.offset(spec.marker))), got \(file.location(of: d.primary.range.start))\(context)",
      sourceLocation: sourceLocation)
    if let end = spec.end {
      #expect(d.primary.range.end == source.offset(end), "primary end\(context)", sourceLocation: sourceLocation)
    }
    if let label = spec.label {
      #expect(d.primary.message == label, "label\(context)", sourceLocation: sourceLocation)
    }
    if let secondary = spec.secondary {
      let got = d.secondary.map { ($0.range.start, $0.message) }
      let want = secondary.map { (source.offset($0.0), $0.1) }
      #expect(
        got.count == want.count && zip(got, want).allSatisfy { $0 == $1 }, "secondary labels\(context)",
        sourceLocation: sourceLocation)
    }
    if let notes = spec.notes {
      #expect(d.notes == notes, "notes\(context)", sourceLocation: sourceLocation)
    }
    if let help = spec.help {
      #expect(d.help == (help.isEmpty ? nil : help), "help\(context)", sourceLocation: sourceLocation)
    }
  }
}
