import Foundation
import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// No crash or hang on garbage: random token soups, truncations and mutations of the real
/// models. The parser's loops have progress preconditions, so a loop that stops consuming
/// would trap here rather than hang; the time limit catches anything else.
@Suite(.timeLimit(.minutes(2))) struct FuzzTests {
  /// Parses `text` and checks what must hold for any input.
  static func parseChecked(_ text: String, _ what: @autoclosure () -> String) {
    let file = SourceFile(path: "fuzz.gan", text: text)
    let (program, diagnostics) = Parser.parse(file)
    let n = file.bytes.count
    for d in diagnostics {
      let ok =
        d.code.id.hasPrefix("E00") && !d.message.isEmpty && 0 <= d.primary.range.start
        && d.primary.range.end <= n && d.secondary.allSatisfy { 0 <= $0.range.start && $0.range.end <= n }
      if !ok {
        Issue.record("bad diagnostic \(d.code.id) \(d.primary.range) `\(d.message)` for \(what())")
      }
      // Rendering must not trap either, whatever the range.
      _ = DiagnosticRenderer().render(d, in: file)
    }
    for decl in program.declarations where !(0 <= decl.range.start && decl.range.end <= n) {
      Issue.record("declaration range \(decl.range) out of bounds for \(what())")
    }
  }

  static let vocabulary: [String] =
    Keyword.allCases.map(\.rawValue) + ContextualKeyword.allCases.map(\.rawValue) + Punct.allCases.map(\.rawValue)
    + [
      "x", "G", "D", "B", "K", "dense", "relu", "concat", "_", "a1", "0", "64", "1_000", "2e-4", "0.5", "1e", "12abc",
      "99999999999999999999", "\"s\"", "\"open", "\"\\\"", "\n", "\n", "\n", "\n", "# comment\n", "$", ";", "é", "\t",
      "\r\n", "!", "|", "&",
    ]

  @Test func randomTokenSoups() {
    var rng = SplitMix64(seed: 0x6A6E_6321)
    for i in 0..<3000 {
      let count = Int.random(in: 0...60, using: &rng)
      var text = Bool.random(using: &rng) ? "gan t\n" : ""
      for _ in 0..<count {
        text += Self.vocabulary.randomElement(using: &rng)!
        // Sometimes glue tokens together, making new ones (`net(`, `1..<`, `x.y`).
        if Int.random(in: 0..<4, using: &rng) != 0 { text += " " }
      }
      Self.parseChecked(text, "soup #\(i): \(text.debugDescription)")
    }
  }

  /// Soups of the real models' lines and tokens: closer to real mistakes.
  @Test func shuffledModelPieces() throws {
    var pieces: [String] = []
    for url in try modelFiles() {
      let text = try String(contentsOf: url, encoding: .utf8)
      pieces += text.split(separator: "\n").map { String($0) + "\n" }
      pieces += text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }
    var rng = SplitMix64(seed: 42)
    for i in 0..<1500 {
      var text = ""
      for _ in 0..<Int.random(in: 1...40, using: &rng) {
        text += pieces.randomElement(using: &rng)! + (Bool.random(using: &rng) ? " " : "")
      }
      Self.parseChecked(text, "pieces #\(i): \(text.debugDescription)")
    }
  }

  /// Every model cut before, inside and after each of its tokens, and one model's suffixes.
  @Test func truncationsOfTheModels() throws {
    for url in try modelFiles() {
      let text = try String(contentsOf: url, encoding: .utf8)
      let file = SourceFile(path: "m", text: text)
      var cuts: Set<Int> = [0, file.bytes.count]
      for t in Lexer.tokenize(file).tokens {
        cuts.insert(t.range.start)
        if t.kind != .identifier, t.range.end - t.range.start >= 2 {
          cuts.insert((t.range.start + t.range.end) / 2)  // an unfinished string, number or `|>`
        }
      }
      for cut in cuts.sorted() {
        let prefix = String(decoding: file.bytes[..<cut], as: UTF8.self)
        Self.parseChecked(prefix, "\(url.lastPathComponent) cut at byte \(cut)")
      }
    }
    let text = try String(contentsOf: try modelFiles()[0], encoding: .utf8)
    let chars = Array(text)
    for cut in stride(from: 0, through: chars.count, by: 5) {
      Self.parseChecked(String(chars[cut...]), "suffix from \(cut)")
    }
  }

  /// Models with tokens deleted, duplicated, swapped or replaced.
  @Test func mutatedModels() throws {
    var rng = SplitMix64(seed: 7)
    for url in try modelFiles() {
      let text = try String(contentsOf: url, encoding: .utf8)
      let file = SourceFile(path: "m", text: text)
      let tokens = Lexer.tokenize(file).tokens.dropLast()
      // Each token with the trivia before it, so the layout survives a mutation.
      var spans: [String] = []
      var last = 0
      for t in tokens {
        spans.append(file.text(in: SourceRange(start: last, end: t.range.end)))
        last = t.range.end
      }
      for i in 0..<150 {
        var s = spans
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
          let k = Int.random(in: 0..<s.count, using: &rng)
          switch Int.random(in: 0..<4, using: &rng) {
          case 0: s.remove(at: k)
          case 1: s.insert(s[k], at: k)
          case 2: s.swapAt(k, Int.random(in: 0..<s.count, using: &rng))
          default: s[k] = " " + Self.vocabulary.randomElement(using: &rng)!
          }
          if s.isEmpty { break }
        }
        let mutated = s.joined()
        Self.parseChecked(mutated, "\(url.lastPathComponent) mutation #\(i): \(mutated.debugDescription)")
      }
    }
  }

  /// Deep nesting and long lines parse (within the stack of a test thread).
  @Test func nestingAndLength() {
    Self.parseChecked(
      "gan t\nlet a = " + String(repeating: "(", count: 200) + "x" + String(repeating: ")", count: 200), "nesting")
    Self.parseChecked("gan t\nlet a = " + String(repeating: "(", count: 200), "unclosed nesting")
    Self.parseChecked("gan t\nlet a = " + String(repeating: "-", count: 200) + "x", "negations")
    Self.parseChecked("gan t\nlet a = x" + String(repeating: " |> f(1)", count: 2000), "long pipe")
    Self.parseChecked("gan t\nlet a = 1" + String(repeating: " + 1", count: 5000), "long sum")
    Self.parseChecked(String(repeating: "gan t\n", count: 500), "many headers")
    Self.parseChecked(String(repeating: "}", count: 500) + String(repeating: "{", count: 500), "braces")
  }
}
