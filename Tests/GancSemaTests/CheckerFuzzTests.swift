import Foundation
import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// The checker must not crash on any program that parses, however wrong: the real models
/// and the fixture with tokens deleted, duplicated, swapped or replaced.
@Suite(.timeLimit(.minutes(2))) struct CheckerFuzzTests {
  /// Names and numbers to put where a name or number was: the program still parses, but
  /// its meaning goes wrong in every way the checker knows.
  static let replacements: [String] = [
    "x", "y", "z", "yf", "G", "D", "B", "K", "P", "Z", "M", "H", "fake", "d_loss", "g_loss", "digits", "ring", "0", "1",
    "2", "3", "64", "0.5", "1e9", "-1", "4611686018427387904", "dense", "relu", "leaky_relu", "tanh", "concat",
    "one_hot", "reshape", "squeeze", "detach", "mean", "sum", "bce_logits", "mse", "uniform", "normal", "adam",
    "image", "scatter", "table", "csv", "grid25", "true", "columns", "column", "scaled", "lr", "in", "units", "slope",
    "classes", "axis", "shape", "std", "unknown",
  ]

  static func checkChecked(_ text: String, _ what: @autoclosure () -> String) -> Bool {
    let file = SourceFile(path: "fuzz.gan", text: text)
    let (program, syntax) = Parser.parse(file)
    guard syntax.isEmpty else { return false }
    let (model, diagnostics) = Checker.check(program, file: file)
    let n = file.bytes.count
    for d in diagnostics {
      if !(0 <= d.primary.range.start && d.primary.range.end <= n) || d.message.isEmpty {
        Issue.record("bad diagnostic \(d.code.id) \(d.primary.range) `\(d.message)` for \(what())")
      }
      _ = DiagnosticRenderer().render(d, in: file)
    }
    if model != nil, diagnostics.contains(where: { $0.severity == .error }) {
      Issue.record("a model despite errors for \(what())")
    }
    if model == nil, !diagnostics.contains(where: { $0.severity == .error }) {
      Issue.record("no model and no error for \(what())")
    }
    return true
  }

  @Test func mutatedModelsThatParse() throws {
    var sources = try modelFiles().map { try String(contentsOf: $0, encoding: .utf8) }
    sources.append(Fixture.model())
    var rng = SplitMix64(seed: 2024)
    var checked = 0
    for (n, text) in sources.enumerated() {
      let file = SourceFile(path: "m", text: text)
      let tokens = Lexer.tokenize(file).tokens.dropLast()
      var spans: [String] = []
      var last = 0
      for t in tokens {
        spans.append(file.text(in: SourceRange(start: last, end: t.range.end)))
        last = t.range.end
      }
      let mutable = tokens.indices.filter {
        [.identifier, .integer, .float].contains(tokens[$0].kind) || tokens[$0].kind == .punct(.pipe)
      }
      for i in 0..<200 {
        var s = spans
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
          let k = mutable.randomElement(using: &rng)! - tokens.startIndex
          let trivia = s[k].prefix { $0 == " " || $0 == "\n" || $0 == "\t" }
          s[k] = String(trivia) + Self.replacements.randomElement(using: &rng)!
        }
        let mutated = s.joined()
        if Self.checkChecked(mutated, "source \(n) mutation \(i): \(mutated.debugDescription)") { checked += 1 }
      }
    }
    // Enough of the mutants parse for this to test the checker.
    #expect(checked > 450)
  }
}
