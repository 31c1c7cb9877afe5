import Foundation
import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import Testing

// Marker-based diagnostic assertions in the spirit of swift-syntax's `assertParse`: the
// source is written with markers such as `1️⃣` where diagnostics must point; the markers
// are stripped to get the source and their byte offsets.
//
// A copy of Tests/GancSyntaxTests/TestSupport.swift's marker and diagnostic helpers (test
// targets cannot share code without a Package.swift change); keep the two in step.

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

/// The repository's root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()  // GancSemaTests
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

// MARK: - Checking

/// Parses `text`, expecting no syntax diagnostics, and checks it.
func check(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> (
  Model?, [Diagnostic], SourceFile
) {
  let file = SourceFile(path: "t.gan", text: text)
  let (program, syntax) = Parser.parse(file)
  #expect(syntax.isEmpty, "syntax errors:\n\(describe(syntax, in: file))", sourceLocation: sourceLocation)
  let (model, diagnostics) = Checker.check(program, file: file)
  return (model, diagnostics, file)
}

/// Checks marked source and compares its diagnostics one for one: all of them, or only
/// the errors when `warnings` is false.
@discardableResult
func assertCheck(
  _ marked: String, _ specs: [DiagnosticSpec], warnings: Bool = true,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Model? {
  let source = MarkedSource(marked)
  let (model, diagnostics, file) = check(source.text, sourceLocation: sourceLocation)
  let shown = warnings ? diagnostics : diagnostics.filter { $0.severity == .error }
  assertDiagnostics(shown, specs, source: source, file: file, sourceLocation: sourceLocation)
  if specs.contains(where: { $0.code.severity == .error }) {
    #expect(model == nil, "a model despite errors", sourceLocation: sourceLocation)
  }
  return model
}

/// A conditional GAN on 8×8 digits, in pieces that a test can replace (markers included).
/// With every piece as given it checks with no diagnostics at all.
enum Fixture {
  static let header = """
    gan t
    batch B = 64
    dim Z = 32
    dim K = 10
    dim P = 64
    data digits = csv("data/digits.csv")
    input x: [B, P] = digits.columns(0..<64)
    input y: [B] class(K) = digits.column(64)
    noise z: [B, Z] = normal(0, 1)
    noise yf: [B] class(K) = uniform
    """
  static let g = """
    net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
      concat(z, one_hot(y)) |> dense(128, in: Z + K) |> relu |> dense(P) |> tanh
    }
    """
  static let d = """
    net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
      concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> dense(1)
    }
    """
  static let losses = """
    let fake = G(z, yf)
    loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
    loss g_loss = bce_logits(D(fake, yf), 1)
    """
  static let train = """
    train {
      steps 100
      step d: minimize d_loss wrt D
      step g: minimize g_loss wrt G
    }
    """

  static func model(
    header: String = Fixture.header, g: String = Fixture.g, d: String = Fixture.d, extra: String = "",
    losses: String = Fixture.losses, train: String = Fixture.train
  ) -> String {
    [header, g, d, extra, losses, train].filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
  }
}
