import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

@Suite struct LexerTests {
  func lex(_ text: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    Lexer.tokenize(SourceFile(path: "t.gan", text: text))
  }

  /// Kinds and texts, without the end of file.
  func kinds(_ text: String) -> [String] {
    lex(text).tokens.dropLast().map { t in
      switch t.kind {
      case .identifier: "id:\(t.text)"
      case .keyword(let k): "kw:\(k.rawValue)"
      case .integer: "int:\(t.text)"
      case .float: "float:\(t.text)"
      case .string: "str:\(t.text)"
      case .punct(let p): "p:\(p.rawValue)"
      case .invalid: "invalid:\(t.text)"
      case .endOfFile: "eof"
      }
    }
  }

  @Test func declarationLine() {
    #expect(kinds("dim K = 10   # classes") == ["kw:dim", "id:K", "p:=", "int:10"])
    let (tokens, diagnostics) = lex("dim K = 10")
    #expect(diagnostics.isEmpty)
    #expect(tokens.last?.kind == .endOfFile)
    #expect(tokens.filter { $0.kind == .endOfFile }.count == 1)
    #expect(
      tokens.map(\.range) == [
        SourceRange(start: 0, end: 3), SourceRange(start: 4, end: 5), SourceRange(start: 6, end: 7),
        SourceRange(start: 8, end: 10), SourceRange(at: 10),
      ])
  }

  @Test func emptyFileIsJustTheEnd() {
    for text in ["", "   ", "# only a comment", "\n\n# c\n  \t\n"] {
      let (tokens, diagnostics) = lex(text)
      #expect(tokens.count == 1 && tokens[0].kind == .endOfFile, "\(text.debugDescription)")
      #expect(diagnostics.isEmpty)
    }
  }

  @Test func reservedAndContextualKeywords() {
    for k in Keyword.allCases {
      #expect(kinds(k.rawValue) == ["kw:\(k.rawValue)"])
    }
    // Contextual keywords are identifiers to the lexer.
    for k in ContextualKeyword.allCases {
      #expect(kinds(k.rawValue) == ["id:\(k.rawValue)"])
      #expect(lex(k.rawValue).tokens[0].isContextual(k))
    }
    #expect(kinds("nets data_ _x x1 letter") == ["id:nets", "id:data_", "id:_x", "id:x1", "id:letter"])
  }

  @Test(arguments: Punct.allCases)
  func everyPunctuationLexesAlone(_ p: Punct) {
    #expect(kinds(p.rawValue) == ["p:\(p.rawValue)"])
    #expect(kinds("a\(p.rawValue)b") == ["id:a", "p:\(p.rawValue)", "id:b"])
  }

  @Test func longestMatchFirst() {
    #expect(kinds("x|>f") == ["id:x", "p:|>", "id:f"])
    #expect(kinds("->") == ["p:->"])
    #expect(kinds("- >") == ["p:-", "p:>"])
    #expect(kinds("a<=b>=c") == ["id:a", "p:<=", "id:b", "p:>=", "id:c"])
    #expect(kinds("....<") == ["p:...", "p:.", "p:<"])
  }

  @Test func integersAndFloats() {
    #expect(kinds("0 64 60_000 1_0") == ["int:0", "int:64", "int:60_000", "int:1_0"])
    #expect(
      kinds("0.5 2e-4 1.5E+3 1_000.25 3e8") == [
        "float:0.5", "float:2e-4", "float:1.5E+3", "float:1_000.25", "float:3e8",
      ])
    #expect(lex("1e5 2.5e-3").diagnostics.isEmpty)
  }

  /// A `.` belongs to a number only when a digit follows, so ranges of integers lex as ranges.
  @Test func rangesOfIntegers() {
    #expect(kinds("0..<64") == ["int:0", "p:..<", "int:64"])
    #expect(kinds("0...16") == ["int:0", "p:...", "int:16"])
    #expect(kinds("-1...1") == ["p:-", "int:1", "p:...", "int:1"])
    #expect(kinds("0.5...1.5") == ["float:0.5", "p:...", "float:1.5"])
    #expect(kinds("x.columns") == ["id:x", "p:.", "id:columns"])
  }

  @Test func strings() {
    #expect(kinds(#"csv("data/digits.csv")"#) == ["id:csv", "p:(", #"str:"data/digits.csv""#, "p:)"])
    #expect(kinds(#""a # not a comment""#) == [#"str:"a # not a comment""#])
    #expect(kinds(#""say \"hi\"" x"#) == [#"str:"say \"hi\"""#, "id:x"])
    #expect(lex(#""é×""#).diagnostics.isEmpty)
  }

  @Test func commentsAndNewlines() {
    let (tokens, _) = lex("gan m # the name\n\n  dim K = 3 # three\n# a line\nloss")
    #expect(tokens.map(\.text) == ["gan", "m", "dim", "K", "=", "3", "loss", ""])
    #expect(tokens.map(\.leadingNewline) == [true, false, true, false, false, false, true, true])
  }

  @Test func carriageReturnsAreSpace() {
    let (tokens, diagnostics) = lex("dim K = 3\r\ndim Z = 4\r\n")
    #expect(diagnostics.isEmpty)
    #expect(tokens.map(\.text) == ["dim", "K", "=", "3", "dim", "Z", "=", "4", ""])
    #expect(tokens[4].leadingNewline)
  }

  // MARK: - Errors

  func assertLex(
    _ marked: String, _ specs: [DiagnosticSpec], tokens expected: [String]? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let source = MarkedSource(marked)
    let file = SourceFile(path: "t.gan", text: source.text)
    let (_, diagnostics) = Lexer.tokenize(file)
    assertDiagnostics(diagnostics, specs, source: source, file: file, sourceLocation: sourceLocation)
    if let expected {
      #expect(kinds(source.text) == expected, sourceLocation: sourceLocation)
    }
  }

  @Test func invalidCharacterIsReportedAndSkipped() {
    assertLex(
      "dim K = 3 1️⃣$2️⃣ 4",
      [DiagnosticSpec(.invalidCharacter, "`$` is not part of the language", end: "2️⃣", help: "")],
      tokens: ["kw:dim", "id:K", "p:=", "int:3", "invalid:$", "int:4"])
    assertLex(
      "batch B = 641️⃣;",
      [
        DiagnosticSpec(
          .invalidCharacter, "`;` is not part of the language",
          help: "statements end at the end of a line; remove the `;`")
      ])
    // A multi-byte character is one invalid token, reported once.
    assertLex(
      "let x = 1️⃣é2️⃣ + 1",
      [DiagnosticSpec(.invalidCharacter, "`é` is not part of the language", end: "2️⃣")],
      tokens: ["kw:let", "id:x", "p:=", "invalid:é", "p:+", "int:1"])
    assertLex(
      "1️⃣! 2️⃣@ 3️⃣`",
      [
        DiagnosticSpec(.invalidCharacter, "`!` is not part of the language", at: "1️⃣"),
        DiagnosticSpec(.invalidCharacter, "`@` is not part of the language", at: "2️⃣"),
        DiagnosticSpec(.invalidCharacter, "``` is not part of the language", at: "3️⃣"),
      ])
  }

  @Test func unterminatedString() {
    assertLex(
      "data d = csv(1️⃣\"data/digits.csv2️⃣\nlet x = 1",
      [
        DiagnosticSpec(
          .unterminatedString, "this string is never closed", end: "2️⃣", label: "the string starts here",
          help: "add a closing `\"` before the end of the line")
      ],
      tokens: ["kw:data", "id:d", "p:=", "id:csv", "p:(", "str:\"data/digits.csv", "kw:let", "id:x", "p:=", "int:1"])
    // At the end of the file, and after an escaped quote.
    assertLex(#"let s = 1️⃣"abc\"2️⃣"#, [DiagnosticSpec(.unterminatedString, "this string is never closed", end: "2️⃣")])
  }

  @Test func numberRunningIntoLetters() {
    let help = "put a space or an operator between the number and the name"
    assertLex(
      "dim Z = 1️⃣12abc2️⃣", [DiagnosticSpec(.invalidNumber, "a number cannot run into letters", end: "2️⃣", help: help)],
      tokens: ["kw:dim", "id:Z", "p:=", "int:12abc"])
    assertLex("1️⃣0.5x2️⃣", [DiagnosticSpec(.invalidNumber, "a number cannot run into letters", end: "2️⃣")])
    // One error, not an exponent error as well.
    assertLex("steps 1️⃣3epochs2️⃣", [DiagnosticSpec(.invalidNumber, "a number cannot run into letters", end: "2️⃣")])
    // A thousands or millions suffix is written out for the writer.
    assertLex(
      "steps 1️⃣10k2️⃣",
      [
        DiagnosticSpec(
          .invalidNumber, "a number cannot run into letters", end: "2️⃣", help: "ganc has no `k` suffix; write `10_000`")
      ])
    assertLex(
      "1️⃣1.5M",
      [
        DiagnosticSpec(
          .invalidNumber, "a number cannot run into letters", help: "ganc has no `M` suffix; write `1_500_000`")
      ])
    assertLex("1️⃣2km", [DiagnosticSpec(.invalidNumber, "a number cannot run into letters", help: help)])
  }

  @Test func exponentWithoutDigits() {
    let help = "write the exponent out, as in `2e-4`"
    assertLex("let a = 1️⃣2e2️⃣", [DiagnosticSpec(.invalidNumber, "an exponent needs digits", end: "2️⃣", help: help)])
    assertLex("let a = 1️⃣2e2️⃣-x", [DiagnosticSpec(.invalidNumber, "an exponent needs digits", end: "2️⃣")])
  }
}
