import GancDiagnostics
import GancSource

/// Turns a source file into tokens. It never fails: a bad character becomes an `.invalid`
/// token and a diagnostic, and lexing goes on.
public struct Lexer {
  private let bytes: [UInt8]
  private var index = 0
  public private(set) var diagnostics: [Diagnostic] = []

  public init(_ file: SourceFile) { self.bytes = file.bytes }

  /// All tokens of the file, ending with exactly one `.endOfFile`.
  public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    var lexer = Lexer(file)
    var tokens: [Token] = []
    while true {
      let t = lexer.next()
      tokens.append(t)
      if t.kind == .endOfFile { break }
    }
    return (tokens, lexer.diagnostics)
  }

  private func peek(_ ahead: Int = 0) -> UInt8? {
    index + ahead < bytes.count ? bytes[index + ahead] : nil
  }

  /// Skips spaces and `#` comments; reports whether a newline was crossed.
  private mutating func skipTrivia() -> Bool {
    var newline = index == 0
    while let c = peek() {
      if c == UInt8(ascii: "\n") {
        newline = true
        index += 1
      } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
        index += 1
      } else if c == UInt8(ascii: "#") {
        while let d = peek(), d != UInt8(ascii: "\n") { index += 1 }
      } else {
        break
      }
    }
    return newline
  }

  public mutating func next() -> Token {
    let newline = skipTrivia()
    let start = index
    guard let c = peek() else {
      return Token(kind: .endOfFile, range: SourceRange(at: start), text: "", leadingNewline: true)
    }
    func make(_ kind: TokenKind) -> Token {
      Token(
        kind: kind, range: SourceRange(start: start, end: index),
        text: String(decoding: bytes[start..<index], as: UTF8.self), leadingNewline: newline)
    }
    if isIdentifierStart(c) {
      while let d = peek(), isIdentifierStart(d) || isDigit(d) { index += 1 }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      if let k = Keyword(rawValue: text) { return make(.keyword(k)) }
      return make(.identifier)
    }
    if isDigit(c) {
      return make(lexNumber(start: start))
    }
    if c == UInt8(ascii: "\"") {
      index += 1
      while let d = peek(), d != UInt8(ascii: "\""), d != UInt8(ascii: "\n") {
        index += d == UInt8(ascii: "\\") && peek(1) != nil && peek(1) != UInt8(ascii: "\n") ? 2 : 1
      }
      if peek() == UInt8(ascii: "\"") {
        index += 1
      } else {
        diagnostics.append(
          Diagnostic(
            .unterminatedString, "this string is never closed",
            at: SourceRange(start: start, end: index), label: "the string starts here",
            help: "add a closing `\"` before the end of the line"))
      }
      return make(.string)
    }
    for p in Punct.allCases {
      let spelling = Array(p.rawValue.utf8)
      if index + spelling.count <= bytes.count, Array(bytes[index..<index + spelling.count]) == spelling {
        index += spelling.count
        return make(.punct(p))
      }
    }
    // One whole (possibly multi-byte) character.
    index += 1
    while let d = peek(), d & 0xC0 == 0x80 { index += 1 }
    let tok = make(.invalid)
    diagnostics.append(
      Diagnostic(
        .invalidCharacter, "`\(tok.text)` is not part of the language", at: tok.range,
        help: tok.text == ";" ? "statements end at the end of a line; remove the `;`" : nil))
    return tok
  }

  /// `12`, `0.5`, `2e-4`, `1.5E+3`. A `.` belongs to the number only when a digit follows it,
  /// so `0..<64` and `0...16` lex as ranges.
  private mutating func lexNumber(start: Int) -> TokenKind {
    var isFloat = false
    while let d = peek(), isDigit(d) || d == UInt8(ascii: "_") { index += 1 }
    if peek() == UInt8(ascii: "."), let d = peek(1), isDigit(d) {
      isFloat = true
      index += 1
      while let d = peek(), isDigit(d) || d == UInt8(ascii: "_") { index += 1 }
    }
    if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      var look = 1
      if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { look = 2 }
      if let d = peek(look), isDigit(d) {
        isFloat = true
        index += look
        while let d = peek(), isDigit(d) { index += 1 }
      } else if look == 1, let d = peek(1), isIdentifierStart(d) {
        // `3epochs`: letters after the number, reported once below, not a broken exponent.
      } else {
        index += 1
        diagnostics.append(
          Diagnostic(
            .invalidNumber, "an exponent needs digits", at: SourceRange(start: start, end: index),
            help: "write the exponent out, as in `2e-4`"))
      }
    }
    if let d = peek(), isIdentifierStart(d) {
      let numberEnd = index
      while let d = peek(), isIdentifierStart(d) || isDigit(d) { index += 1 }
      let number = String(decoding: bytes[start..<numberEnd], as: UTF8.self)
      let letters = String(decoding: bytes[numberEnd..<index], as: UTF8.self)
      diagnostics.append(
        Diagnostic(
          .invalidNumber, "a number cannot run into letters", at: SourceRange(start: start, end: index),
          help: Self.writtenOut(number, suffix: letters).map { "ganc has no `\(letters)` suffix; write `\($0)`" }
            ?? "put a space or an operator between the number and the name"))
    }
    return isFloat ? .float : .integer
  }

  /// `10k` as `10_000`, `1.5M` as `1_500_000`: a thousands or millions suffix written out,
  /// when the result is a whole number.
  static func writtenOut(_ number: String, suffix: String) -> String? {
    let scale: Double
    switch suffix {
    case "k", "K": scale = 1e3
    case "M": scale = 1e6
    default: return nil
    }
    guard let v = Double(number.filter { $0 != "_" }).map({ $0 * scale }), v == v.rounded(), v < 1e15 else {
      return nil
    }
    let digits = Array(String(Int(v)))
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out += "_" }
      out.append(c)
    }
    return out
  }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
@inline(__always) private func isIdentifierStart(_ c: UInt8) -> Bool {
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
}
