import Foundation
import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// Keeps grammar/ganc.ebnf true to the lexer and parser.
@Suite struct GrammarTests {
  /// The productions the parser implements, with the function (in Parser.swift or
  /// Lexer.swift) that implements each. UPDATE THIS LIST WITH THE PARSER: a new parse
  /// function, declaration, training item or token kind gets its production here and in
  /// grammar/ganc.ebnf.
  static let implementedProductions: [(production: String, implementedBy: String)] = [
    ("program", "parseProgram"),
    ("gan_header", "parseProgram"),
    ("declaration", "parseDeclaration"),
    ("batch_decl", "parseDeclaration (.batch)"),
    ("dim_decl", "parseDeclaration (.dim)"),
    ("data_decl", "parseDeclaration (.data)"),
    ("input_decl", "parseDeclaration (.input)"),
    ("noise_decl", "parseDeclaration (.noise)"),
    ("let_decl", "parseLet"),
    ("loss_decl", "parseDeclaration (.loss)"),
    ("metric_decl", "parseDeclaration (.metric)"),
    ("tensor_type", "parseType"),
    ("dimension_list", "parseType → parseCommaList"),
    ("class_suffix", "parseType"),
    ("net_decl", "parseNet"),
    ("parameter_list", "parseNet → parseCommaList"),
    ("parameter", "parseNet"),
    ("net_body", "parseNet"),
    ("net_result", "parseNet"),
    ("train_decl", "parseTrain"),
    ("train_item", "parseTrainItem"),
    ("setting", "parseTrainItem (default)"),
    ("setting_name", "Parser.trainWords"),
    ("every_item", "parseTrainItem (.log, .checkpoint)"),
    ("step_item", "parseStep"),
    ("network_list", "parseStep"),
    ("step_clause", "parseStep"),
    ("sample_item", "parseSample"),
    ("optimizer_item", "parseTrainItem (.optimizer NAME =)"),
    ("phase_item", "parsePhase"),
    ("sample_clause", "parseSample"),
    ("sample_view", "parseSample"),
    ("expression", "parseExpression"),
    ("stage", "parseStage"),
    ("comparison", "parseComparison"),
    ("comparison_operator", "parseComparison"),
    ("range", "parseRange"),
    ("range_operator", "parseRange"),
    ("additive", "parseAdditive"),
    ("multiplicative", "parseMultiplicative"),
    ("unary", "parseUnary"),
    ("postfix", "parsePostfix"),
    ("slice_list", "parsePostfix → parseCommaList"),
    ("slice_item", "parseSliceItem"),
    ("list", "parsePrimary (.leftBracket)"),
    ("primary", "parsePrimary"),
    ("call", "parsePrimary (.identifier)"),
    ("argument_list", "parseCommaList"),
    ("argument", "parseArgument"),
    ("EOL", "endOfLine"),
    ("SAME_LINE", "Token.leadingNewline checks"),
    ("token", "Lexer.next"),
    ("IDENTIFIER", "Lexer.next"),
    ("keyword", "Keyword"),
    ("contextual_keyword", "ContextualKeyword"),
    ("INTEGER", "Lexer.lexNumber"),
    ("FLOAT", "Lexer.lexNumber"),
    ("DIGITS", "Lexer.lexNumber"),
    ("EXPONENT", "Lexer.lexNumber"),
    ("STRING", "Lexer.next"),
    ("punctuation", "Punct"),
    ("WHITESPACE", "Lexer.skipTrivia"),
    ("COMMENT", "Lexer.skipTrivia"),
  ]

  static func grammar() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("grammar/ganc.ebnf"), encoding: .utf8)
  }

  /// The grammar without comments, quoted terminals, character classes and `#x` escapes.
  static func rulesOnly(_ text: String) -> String {
    var out = ""
    var i = text.startIndex
    func at(_ s: String) -> Bool { text[i...].hasPrefix(s) }
    while i < text.endIndex {
      if at("/*") {
        i = text[i...].range(of: "*/").map(\.upperBound) ?? text.endIndex
        out += " "
      } else if text[i] == "\"" || text[i] == "'" || text[i] == "[" {
        let close: Character = text[i] == "[" ? "]" : text[i]
        i = text.index(after: i)
        while i < text.endIndex, text[i] != close { i = text.index(after: i) }
        if i < text.endIndex { i = text.index(after: i) }
        out += " "
      } else if at("#x") {
        i = text.index(i, offsetBy: 2)
        while i < text.endIndex, text[i].isHexDigit { i = text.index(after: i) }
        out += " "
      } else {
        out.append(text[i])
        i = text.index(after: i)
      }
    }
    return out
  }

  /// name → right-hand side, for every `name ::= ...` in the grammar.
  static func productions(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    var current: String?
    for line in rulesOnly(text).split(separator: "\n", omittingEmptySubsequences: false) {
      if let r = line.range(of: "::="), line.first.map({ $0.isLetter || $0 == "_" }) == true {
        let name = line[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
        current = name
        result[name, default: ""] += String(line[r.upperBound...])
      } else if let c = current {
        result[c, default: ""] += " " + line
      }
    }
    return result
  }

  static func names(in rhs: String) -> Set<String> {
    var names: Set<String> = []
    var word = ""
    for ch in rhs + " " {
      if ch.isLetter || ch.isNumber || ch == "_" {
        word.append(ch)
      } else {
        if let f = word.first, f.isLetter || f == "_" { names.insert(word) }
        word = ""
      }
    }
    return names
  }

  @Test func everyKeywordIsQuoted() throws {
    let g = try Self.grammar()
    for k in Keyword.allCases {
      #expect(g.contains("\"\(k.rawValue)\""), "keyword `\(k.rawValue)` is not quoted in grammar/ganc.ebnf")
    }
  }

  @Test func everyContextualKeywordIsQuoted() throws {
    let g = try Self.grammar()
    for k in ContextualKeyword.allCases {
      #expect(g.contains("\"\(k.rawValue)\""), "contextual keyword `\(k.rawValue)` is not quoted in grammar/ganc.ebnf")
    }
  }

  @Test func everyPunctuationSpellingIsQuoted() throws {
    let g = try Self.grammar()
    for p in Punct.allCases {
      #expect(g.contains("\"\(p.rawValue)\""), "`\(p.rawValue)` is not quoted in grammar/ganc.ebnf")
    }
  }

  @Test func everyImplementedProductionIsDefined() throws {
    let defined = Self.productions(try Self.grammar())
    for (name, function) in Self.implementedProductions {
      #expect(
        defined[name] != nil, "production `\(name)` (implemented by \(function)) is not defined in grammar/ganc.ebnf")
    }
  }

  /// The grammar is closed: every name used on a right-hand side is defined, and every
  /// production is reachable from `program` or is a lexical root.
  @Test func grammarIsClosedAndConnected() throws {
    let defined = Self.productions(try Self.grammar())
    #expect(defined.count >= Self.implementedProductions.count)
    for (name, rhs) in defined {
      for used in Self.names(in: rhs) {
        #expect(defined[used] != nil, "`\(name)` uses `\(used)`, which is not defined")
      }
    }
    var reached: Set<String> = []
    var work = ["program", "token", "contextual_keyword", "WHITESPACE", "COMMENT"]
    while let n = work.popLast() {
      guard reached.insert(n).inserted, let rhs = defined[n] else { continue }
      work += Self.names(in: rhs)
    }
    for name in defined.keys {
      #expect(reached.contains(name), "production `\(name)` is defined but never used")
    }
    // Every production the grammar defines is one the test knows about.
    let known = Set(Self.implementedProductions.map(\.production))
    for name in defined.keys {
      #expect(known.contains(name), "`\(name)` is in the grammar but not in GrammarTests.implementedProductions")
    }
  }

  /// Every model in models/ parses with no diagnostics. (Checking them is in GancSemaTests,
  /// since this target does not depend on GancSema.)
  @Test func everyModelParsesCleanly() throws {
    let models = try modelFiles()
    #expect(models.count >= 4, "expected the example models in models/")
    for url in models {
      let text = try String(contentsOf: url, encoding: .utf8)
      let file = SourceFile(path: url.lastPathComponent, text: text)
      let (program, diagnostics) = Parser.parse(file)
      #expect(diagnostics.isEmpty, "\(url.lastPathComponent):\n\(describe(diagnostics, in: file))")
      #expect(program.name != nil)
      #expect(program.declarations.contains { if case .train = $0 { true } else { false } })
    }
  }
}
