import Foundation
import GancDiagnostics
import GancSource
import GancSyntax
import Testing

// Marker-based diagnostic assertions in the spirit of swift-syntax's `assertParse`: the
// source is written with markers such as `1️⃣` where diagnostics must point; the markers
// are stripped to get the source and their byte offsets.
//
// A copy of this file's marker and diagnostic helpers lives in
// Tests/GancSemaTests/TestSupport.swift (test targets cannot share code without a
// Package.swift change); keep the two in step.

/// Source text with its location markers (`0️⃣` … `9️⃣`) removed, and the byte offset
/// at which each marker stood.
struct MarkedSource {
  let text: String
  let markers: [String: Int]

  init(_ marked: String) {
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

  func offset(_ marker: String) -> Int {
    guard let o = markers[marker] else {
      Issue.record("no marker \(marker) in the source")
      return -1
    }
    return o
  }
}

/// What a diagnostic must be: code, message and primary position always; the rest when given.
struct DiagnosticSpec: CustomStringConvertible {
  var code: DiagnosticCode
  var message: String
  /// The marker at which the primary range starts.
  var marker: String
  /// The marker at which the primary range ends, when checked.
  var end: String?
  /// The primary label's text, when checked.
  var label: String?
  /// Secondary labels as (marker of the start, text), in order, when checked.
  var secondary: [(String, String)]?
  var notes: [String]?
  /// The help line, when checked; "" checks that there is none.
  var help: String?

  init(
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

  var description: String { "\(code.id) at \(marker): \(message)" }
}

/// One line per diagnostic, for failure messages.
func describe(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
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
func sortedByPosition(_ ds: [Diagnostic]) -> [Diagnostic] {
  ds.enumerated().sorted { a, b in
    a.element.primary.range.start != b.element.primary.range.start
      ? a.element.primary.range.start < b.element.primary.range.start : a.offset < b.offset
  }.map(\.element)
}

/// Checks `actual` (in source order) against `specs`, one for one.
func assertDiagnostics(
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

/// Parses marked source and checks its diagnostics (lexer and parser) one for one.
@discardableResult
func assertParse(
  _ marked: String, _ specs: [DiagnosticSpec] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Program {
  let source = MarkedSource(marked)
  let file = SourceFile(path: "test.gan", text: source.text)
  let (program, diagnostics) = Parser.parse(file)
  assertDiagnostics(diagnostics, specs, source: source, file: file, sourceLocation: sourceLocation)
  return program
}

/// Parses one expression as the value of `let v = ...` in an otherwise empty model.
func parseExpression(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Expr? {
  let file = SourceFile(path: "expr.gan", text: "gan t\nlet v = \(text)\n")
  let (program, diagnostics) = Parser.parse(file)
  #expect(diagnostics.isEmpty, "\(text):\n\(describe(diagnostics, in: file))", sourceLocation: sourceLocation)
  guard program.declarations.count == 1, case .binding(let b) = program.declarations[0] else {
    Issue.record("`\(text)` did not parse as one `let`", sourceLocation: sourceLocation)
    return nil
  }
  return b.value
}

/// An S-expression for an expression's tree: `(+ a (* b c))`, `f(x, k: 1)`, `(. d columns (..< 0 64))`.
func sexpr(_ e: Expr) -> String {
  func args(_ a: [Argument]) -> String {
    a.map { ($0.label.map { "\($0.name): " } ?? "") + sexpr($0.value) }.joined(separator: ", ")
  }
  switch e.kind {
  case .identifier(let n): return n
  case .integer(let v): return String(v)
  case .float(let v): return String(v)
  case .string(let s): return "\"\(s)\""
  case .call(let callee, let a): return "\(callee.name)(\(args(a)))"
  case .member(let base, let name, let a):
    return "(. \(sexpr(base)) \(name.name)" + (a.map { "(\(args($0)))" } ?? "") + ")"
  case .unary(let op, let x): return "(\(op.rawValue) \(sexpr(x)))"
  case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
  case .range(let a, let b, let closed): return "(\(closed ? "..." : "..<") \(sexpr(a)) \(sexpr(b)))"
  case .missing: return "<missing>"
  }
}

/// The repository's root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()  // GancSyntaxTests
  .deletingLastPathComponent()  // Tests
  .deletingLastPathComponent()

/// Every `models/*.gan` file, sorted by name.
func modelFiles() throws -> [URL] {
  let dir = repositoryRoot.appendingPathComponent("models")
  return try FileManager.default.contentsOfDirectory(atPath: dir.path)
    .filter { $0.hasSuffix(".gan") }
    .sorted()
    .map { dir.appendingPathComponent($0) }
}

/// A small deterministic generator (SplitMix64), so a fuzz failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
