import GancDiagnostics
import GancSource

/// A recursive-descent parser for `.gan` files (grammar: `grammar/ganc.ebnf`).
///
/// It never stops at the first error. A missing piece becomes an `Expr.Kind.missing` node;
/// an unexpected token is reported once and skipped up to the next line that can start a
/// declaration or item. Every loop checks that it consumed a token, so a parser bug shows as
/// a failed precondition rather than a hang.
public struct Parser {
  private let file: SourceFile
  private var tokens: [Token]
  private var index = 0
  public private(set) var diagnostics: [Diagnostic] = []
  /// After one error in a statement, further errors up to the next recovery point are
  /// usually follow-ons; they are suppressed.
  private var recovering = false
  /// Indices (in `tokens`) of the tokens that directly follow an invalid character. The
  /// lexer has reported the character; an error at the token after it is a follow-on
  /// (`let a = $` would also be "expected an expression"), so it is suppressed.
  private let afterInvalid: Set<Int>
  /// Where the lexer's diagnostics end: a bracket found open right after an unterminated
  /// string (which swallowed the `)`) is a follow-on, so it is suppressed.
  private let lexErrorEnds: Set<Int>

  public init(_ file: SourceFile) {
    self.file = file
    let (tokens, lexDiagnostics) = Lexer.tokenize(file)
    var kept: [Token] = []
    var afterInvalid: Set<Int> = []
    var pendingInvalid = false
    for t in tokens {
      if t.kind == .invalid {
        pendingInvalid = true
        continue
      }
      if pendingInvalid { afterInvalid.insert(kept.count) }
      pendingInvalid = false
      kept.append(t)
    }
    self.tokens = kept
    self.afterInvalid = afterInvalid
    self.lexErrorEnds = Set(lexDiagnostics.map(\.primary.range.end))
    self.diagnostics = lexDiagnostics
  }

  /// Parses `file`, returning the program and every syntax diagnostic.
  public static func parse(_ file: SourceFile) -> (Program, [Diagnostic]) {
    var p = Parser(file)
    let program = p.parseProgram()
    return (program, p.diagnostics)
  }

  // MARK: - Token access

  private var current: Token { tokens[index] }
  private func peek(_ n: Int = 1) -> Token { tokens[min(index + n, tokens.count - 1)] }
  private var atEnd: Bool { current.kind == .endOfFile }

  @discardableResult
  private mutating func advance() -> Token {
    let t = current
    if index < tokens.count - 1 { index += 1 }
    return t
  }

  /// The end offset of the last consumed token.
  private var previousEnd: Int { index > 0 ? tokens[index - 1].range.end : 0 }

  private mutating func consume(_ p: Punct) -> Token? {
    if current.isPunct(p) { return advance() }
    return nil
  }

  private mutating func error(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange, label: String = "",
    secondary: [Label] = [], help: String? = nil
  ) {
    if recovering || afterInvalid.contains(index) {
      recovering = true
      return
    }
    diagnostics.append(Diagnostic(code, message, at: range, label: label, secondary: secondary, help: help))
    recovering = true
  }

  /// Reports that `what` was expected at the current token.
  private mutating func expected(_ what: String, help: String? = nil) {
    let found = current.kind == .endOfFile ? "the end of the file" : "`\(current.text)`"
    error(
      .unexpectedToken, "expected \(what), found \(found)", at: current.range, label: "expected \(what)", help: help)
  }

  private mutating func expect(_ p: Punct, _ what: String? = nil) -> Token? {
    if let t = consume(p) { return t }
    expected(what ?? "`\(p.rawValue)`")
    return nil
  }

  private mutating func expectIdentifier(_ what: String) -> Identifier {
    if current.kind == .identifier {
      let t = advance()
      return Identifier(t.text, t.range)
    }
    if case .keyword(let k) = current.kind, !current.leadingNewline {
      error(
        .unexpectedToken, "`\(k.rawValue)` is a keyword and cannot be used as \(what)", at: current.range,
        label: "a keyword", help: "choose another name, such as `\(k.rawValue)_`")
      let t = advance()
      return Identifier(t.text, t.range)
    }
    expected(what)
    return Identifier("", SourceRange(at: current.range.start))
  }

  // MARK: - Program

  public mutating func parseProgram() -> Program {
    var name: Identifier?
    if current.isKeyword(.gan) {
      advance()
      name = expectIdentifier("the model's name")
      endOfLine()
    } else {
      diagnostics.append(
        Diagnostic(
          .missingDeclaration, "a model starts with `gan NAME`", at: SourceRange(at: current.range.start),
          help: "add a first line such as `gan my_model`"))
    }
    var declarations: [Declaration] = []
    while !atEnd {
      let before = index
      if let d = parseDeclaration() { declarations.append(d) }
      if index == before {
        // Nothing consumed: skip this token so the loop always progresses.
        skipToDeclarationStart(force: true)
      }
      precondition(index > before || atEnd, "parser made no progress")
    }
    return Program(name: name, declarations: declarations)
  }

  /// Skips tokens up to the next line that starts with a declaration keyword, or with a
  /// near miss of one followed by a name or `{` (`lett fake = ...`, `trian {`), so that a
  /// misspelt declaration after an error is reported too.
  ///
  /// A `let` inside braces skipped over (the body of `nett G(...) { let h = ... }`) belongs
  /// to that body, so it is skipped too; any other keyword stops the skip even inside
  /// braces, since a body left open must not swallow the rest of the file.
  private mutating func skipToDeclarationStart(force: Bool = false) {
    var depth = 0
    if force { depth = max(0, braceDelta(advance())) }
    while !atEnd {
      if current.leadingNewline, case .keyword(let k) = current.kind, depth == 0 || k != .let { break }
      if current.leadingNewline, looksLikeMisspeltDeclaration { break }
      depth = max(0, depth + braceDelta(advance()))
    }
    recovering = false
  }

  private func braceDelta(_ t: Token) -> Int { t.isPunct(.leftBrace) ? 1 : t.isPunct(.rightBrace) ? -1 : 0 }

  /// `nett G(`, `lett x`, `trian {`: a word one slip from a keyword, followed on its line by
  /// a name or `{`, which no expression line has.
  private var looksLikeMisspeltDeclaration: Bool {
    guard current.kind == .identifier, !peek().leadingNewline,
      peek().kind == .identifier || peek().isPunct(.leftBrace)
    else { return false }
    return Suggestions.closest(to: current.text, among: Keyword.allCases.map(\.rawValue)) != nil
  }

  /// After a complete statement the next token must start a new line (or close a block).
  private mutating func endOfLine() {
    if atEnd || current.leadingNewline || current.isPunct(.rightBrace) {
      recovering = false
      return
    }
    expected("the end of the line")
    while !atEnd, !current.leadingNewline, !current.isPunct(.rightBrace) { advance() }
    recovering = false
  }

  private mutating func parseDeclaration() -> Declaration? {
    let start = current.range.start
    switch current.kind {
    case .keyword(.gan):
      error(.duplicateDeclaration, "a file holds one model; `gan` may appear only on its first line", at: current.range)
      skipToDeclarationStart(force: true)
      return nil
    case .keyword(.dim), .keyword(.batch):
      let isBatch = current.isKeyword(.batch)
      advance()
      let name = expectIdentifier("a dimension name")
      _ = expect(.equal)
      let value = parseExpression()
      endOfLine()
      return .dimension(DimensionDecl(name: name, value: value, isBatch: isBatch, range: range(from: start)))
    case .keyword(.data):
      advance()
      let name = expectIdentifier("a data set name")
      _ = expect(.equal)
      let value = parseExpression()
      endOfLine()
      return .data(DataDecl(name: name, source: value, range: range(from: start)))
    case .keyword(.input), .keyword(.noise):
      let isNoise = current.isKeyword(.noise)
      advance()
      let name = expectIdentifier(isNoise ? "a noise name" : "an input name")
      _ = expect(.colon, "`:` and a type, as in `x: [B, 64]`")
      let type = parseType()
      _ = expect(.equal)
      let value = parseExpression()
      endOfLine()
      if isNoise {
        return .noise(NoiseDecl(name: name, type: type, distribution: value, range: range(from: start)))
      }
      return .input(InputDecl(name: name, type: type, source: value, range: range(from: start)))
    case .keyword(.net), .keyword(.block):
      return parseNet()
    case .keyword(.let):
      let d = parseLet()
      endOfLine()
      return .binding(d)
    case .keyword(.loss), .keyword(.metric):
      let isMetric = current.isKeyword(.metric)
      advance()
      let name = expectIdentifier(isMetric ? "a metric name" : "a loss name")
      _ = expect(.equal)
      let value = parseExpression()
      endOfLine()
      let decl = LossDecl(name: name, value: value, range: range(from: start))
      return isMetric ? .metric(decl) : .loss(decl)
    case .keyword(.train):
      return parseTrain()
    case .identifier:
      let word = current.text
      let keywords = Keyword.allCases.map(\.rawValue)
      if let suggestion = Suggestions.closest(to: word, among: keywords) {
        error(
          .unknownKeyword, "unknown declaration `\(word)`", at: current.range, label: "not a keyword",
          help: "did you mean `\(suggestion)`?")
      } else if peek().isPunct(.equal) {
        error(
          .unexpectedToken, "a top-level binding needs `let`", at: current.range,
          help: "write `let \(word) = ...`")
      } else {
        expected("a declaration (\(keywords.dropFirst().map { "`\($0)`" }.joined(separator: ", ")))")
      }
      skipToDeclarationStart(force: true)
      return nil
    default:
      expected("a declaration")
      skipToDeclarationStart(force: true)
      return nil
    }
  }

  private func range(from start: Int) -> SourceRange {
    SourceRange(start: start, end: max(start, previousEnd))
  }

  // MARK: - Types

  /// `[B, 64]` or `[B] class(K)`.
  private mutating func parseType() -> TypeExpr {
    let start = current.range.start
    var dims: [Expr] = []
    if let open = consume(.leftBracket) {
      if !current.isPunct(.rightBracket) {
        dims = parseCommaList(closing: .rightBracket, opener: open) { $0.parseExpression() }
      }
      closeDelimiter(.rightBracket, opener: open)
    } else {
      expected("a tensor type such as `[B, 64]`")
      return TypeExpr(dimensions: [], classCount: nil, range: SourceRange(at: start))
    }
    var classCount: Expr?
    if current.isContextual(.class), !current.leadingNewline {
      advance()
      if let open = expect(.leftParen, "`(` and a class count, as in `class(10)`") {
        classCount = parseExpression()
        closeDelimiter(.rightParen, opener: open)
      }
    }
    return TypeExpr(dimensions: dims, classCount: classCount, range: range(from: start))
  }

  // MARK: - Networks

  private mutating func parseNet() -> Declaration {
    let start = current.range.start
    let isBlock = advance().isKeyword(.block)
    let name = expectIdentifier(isBlock ? "a block name" : "a network name")
    var parameters: [NetParameter] = []
    if let open = expect(.leftParen, "`(` and the network's inputs") {
      if !current.isPunct(.rightParen) {
        parameters = parseCommaList(closing: .rightParen, opener: open) { p in
          let n = p.expectIdentifier("an input name")
          _ = p.expect(.colon, "`:` and the input's type")
          return NetParameter(name: n, type: p.parseType())
        }
      }
      closeDelimiter(.rightParen, opener: open)
    }
    _ = expect(.arrow, "`->` and the network's output type")
    let output = parseType()
    var body: [Statement] = []
    var result = Expr(.missing, SourceRange(at: previousEnd))
    if let open = expect(.leftBrace, "`{` and the network's layers") {
      recovering = false
      var sawResult = false
      while !atEnd, !current.isPunct(.rightBrace) {
        let before = index
        if current.isKeyword(.let) {
          body.append(.binding(parseLet()))
          if sawResult {
            error(.unexpectedToken, "the network's result must be its last line", at: result.range)
          }
          endOfLine()
        } else if case .keyword = current.kind, current.leadingNewline, !current.isKeyword(.let) {
          break  // a declaration: the brace was never closed
        } else {
          if sawResult {
            error(
              .unexpectedToken, "a network body has one result expression, after its `let`s", at: current.range,
              help: "bind earlier values with `let`, or join the lines with `|>`")
          }
          result = parseExpression()
          sawResult = true
          endOfLine()
        }
        if index == before { advance() }
      }
      closeDelimiter(.rightBrace, opener: open)
      if !sawResult {
        diagnostics.append(
          Diagnostic(
            .unexpectedToken, "\(isBlock ? "block" : "network") `\(name.name)` has no result",
            at: SourceRange(at: previousEnd),
            secondary: [Label(name.range, "declared here")],
            help: "end the body with an expression, such as `x |> dense(1)`"))
      }
    }
    return .net(
      NetDecl(
        name: name, parameters: parameters, output: output, body: body, result: result, range: range(from: start),
        isBlock: isBlock))
  }

  private mutating func parseLet() -> LetDecl {
    let start = current.range.start
    advance()
    let name = expectIdentifier("a name")
    _ = expect(.equal)
    let value = parseExpression()
    return LetDecl(name: name, value: value, range: range(from: start))
  }

  // MARK: - Training

  private static let trainWords: [ContextualKeyword] = [
    .steps, .epochs, .seed, .optimizer, .log, .checkpoint, .step, .sample, .phase,
  ]

  private mutating func parseTrain() -> Declaration {
    let start = current.range.start
    advance()
    guard let open = expect(.leftBrace, "`{` to open the training block") else {
      skipToDeclarationStart()
      return .train(TrainDecl(items: [], range: range(from: start)))
    }
    let items = parseTrainItems()
    closeDelimiter(.rightBrace, opener: open)
    return .train(TrainDecl(items: items, range: range(from: start)))
  }

  /// The items of a training block or phase, up to its closing brace.
  private mutating func parseTrainItems() -> [TrainItem] {
    var items: [TrainItem] = []
    recovering = false
    while !atEnd, !current.isPunct(.rightBrace) {
      let before = index
      if case .keyword = current.kind, current.leadingNewline { break }
      if let item = parseTrainItem() { items.append(item) }
      if index == before { advance() }
      if recovering {
        while !atEnd, !current.leadingNewline, !current.isPunct(.rightBrace) { advance() }
        recovering = false
      }
    }
    return items
  }

  /// `phase NAME { steps N  step ... }`.
  private mutating func parsePhase(start: Int) -> PhaseDecl {
    let name = expectIdentifier("a phase name")
    guard let open = expect(.leftBrace, "`{` to open the phase") else {
      return PhaseDecl(name: name, items: [], range: range(from: start))
    }
    let items = parseTrainItems()
    closeDelimiter(.rightBrace, opener: open)
    recovering = false
    return PhaseDecl(name: name, items: items, range: range(from: start))
  }

  private mutating func parseTrainItem() -> TrainItem? {
    guard current.kind == .identifier else {
      expected("a training setting such as `steps`, `optimizer` or `step`")
      return nil
    }
    let word = current.text
    guard let keyword = ContextualKeyword(rawValue: word), Self.trainWords.contains(keyword) else {
      let names = Self.trainWords.map(\.rawValue)
      error(
        .unknownKeyword, "unknown training setting `\(word)`", at: current.range, label: "not a setting",
        help: Suggestions.didYouMean(word, among: names)
          ?? "the settings are \(names.map { "`\($0)`" }.joined(separator: ", "))")
      return nil
    }
    let nameToken = advance()
    let name = Identifier(nameToken.text, nameToken.range)
    switch keyword {
    case .step:
      return .step(parseStep(start: nameToken.range.start))
    case .phase:
      return .phase(parsePhase(start: nameToken.range.start))
    case .optimizer where current.kind == .identifier && peek().isPunct(.equal) && !current.leadingNewline:
      let optName = advance()
      advance()
      let value = parseExpression()
      endOfLine()
      return .namedOptimizer(name: Identifier(optName.text, optName.range), value: value)
    case .sample:
      return .sample(parseSample(start: nameToken.range.start))
    case .log, .checkpoint:
      guard current.isContextual(.every) else {
        expected("`every` and an interval, as in `\(word) every 100`")
        return nil
      }
      advance()
      let interval = parsePrimaryOrMissing(after: "every")
      endOfLine()
      return .every(name: name, interval: interval)
    default:
      let value = valueFollows(word) ? parseExpression() : Expr(.missing, SourceRange(at: previousEnd))
      endOfLine()
      return .setting(name: name, value: value)
    }
  }

  /// `step NAME: minimize LOSS wrt NET, NET [repeat N] [using OPTIMIZER]`.
  private mutating func parseStep(start: Int) -> StepDecl {
    let name = expectIdentifier("a step name")
    _ = expect(.colon, "`:` after the step name")
    var loss = Identifier("", SourceRange(at: current.range.start))
    var networks: [Identifier] = []
    if current.isContextual(.minimize) {
      advance()
      loss = expectIdentifier("a loss name")
    } else {
      expected("`minimize` and a loss name")
    }
    if current.isContextual(.wrt) {
      advance()
      networks.append(expectIdentifier("a network name"))
      while consume(.comma) != nil {
        networks.append(expectIdentifier("a network name"))
      }
    } else {
      expected("`wrt` and the networks this step trains")
    }
    var repeatCount: Expr?
    var optimizer: Expr?
    var condition: Expr?
    while !atEnd, !current.leadingNewline, !current.isPunct(.rightBrace) {
      let before = index
      if current.isContextual(.when) {
        advance()
        condition = valueFollows("when") ? parseComparison() : Expr(.missing, SourceRange(at: previousEnd))
      } else if current.isContextual(.repeat) {
        advance()
        repeatCount = parsePrimaryOrMissing(after: "repeat")
      } else if current.isContextual(.using) {
        advance()
        optimizer = parsePostfix()
      } else {
        expected("`repeat N`, `using OPTIMIZER` or the end of the line")
        break
      }
      if index == before { break }
    }
    endOfLine()
    return StepDecl(
      name: name, loss: loss, networks: networks, repeatCount: repeatCount, optimizer: optimizer,
      condition: condition, range: range(from: start))
  }

  /// `sample [every N] [count N]: EXPR [as VIEW]`.
  private mutating func parseSample(start: Int) -> SampleDecl {
    var interval: Expr?
    var count: Expr?
    while current.isContextual(.every) || current.isContextual(.count) {
      let isEvery = current.isContextual(.every)
      let word = advance().text
      let v = parsePrimaryOrMissing(after: word)
      if isEvery { interval = v } else { count = v }
    }
    _ = expect(.colon, "`:` and the expression to sample")
    let value = parseExpression()
    var view: Expr?
    if current.isContextual(.as), !current.leadingNewline {
      advance()
      view = parsePostfix()
    }
    endOfLine()
    return SampleDecl(interval: interval, count: count, value: value, view: view, range: range(from: start))
  }

  // MARK: - Expressions

  /// expr = comparison { "|>" stage }
  public mutating func parseExpression() -> Expr {
    var lhs = parseComparison()
    while current.isPunct(.pipe) {
      let before = index
      advance()
      lhs = parseStage(input: lhs)
      precondition(index > before)
    }
    return lhs
  }

  /// A pipe stage: `name` or `name(args)`; the piped value becomes the first argument.
  private mutating func parseStage(input: Expr) -> Expr {
    let start = current.range.start
    guard current.kind == .identifier else {
      expected("a layer or network name after `|>`")
      return Expr(.missing, SourceRange(start: input.range.start, end: current.range.start))
    }
    let t = advance()
    var arguments = [Argument(label: nil, value: input)]
    if !current.leadingNewline, let open = consume(.leftParen) {
      if !current.isPunct(.rightParen) {
        arguments += parseCommaList(closing: .rightParen, opener: open) { $0.parseArgument() }
      }
      closeDelimiter(.rightParen, opener: open)
    }
    let stage = range(from: start)
    return Expr(
      .call(callee: Identifier(t.text, t.range), arguments: arguments),
      SourceRange(start: input.range.start, end: stage.end), stageRange: stage)
  }

  private mutating func parseComparison() -> Expr {
    let lhs = parseRange()
    let ops: [(Punct, BinaryOperator)] = [
      (.less, .less), (.greater, .greater), (.lessEqual, .lessEqual), (.greaterEqual, .greaterEqual),
    ]
    for (p, op) in ops where current.isPunct(p) {
      advance()
      let rhs = parseRange()
      return Expr(.binary(op, lhs, rhs), lhs.range.union(rhs.range))
    }
    return lhs
  }

  private mutating func parseRange() -> Expr {
    let lhs = parseAdditive()
    if current.isPunct(.halfOpenRange) || current.isPunct(.ellipsis) {
      let closed = current.isPunct(.ellipsis)
      advance()
      let rhs = parseAdditive()
      return Expr(.range(lower: lhs, upper: rhs, closed: closed), lhs.range.union(rhs.range))
    }
    return lhs
  }

  private mutating func parseAdditive() -> Expr {
    var lhs = parseMultiplicative()
    while current.isPunct(.plus) || current.isPunct(.minus) {
      let op: BinaryOperator = current.isPunct(.plus) ? .add : .subtract
      advance()
      let rhs = parseMultiplicative()
      lhs = Expr(.binary(op, lhs, rhs), lhs.range.union(rhs.range))
    }
    return lhs
  }

  private mutating func parseMultiplicative() -> Expr {
    var lhs = parseUnary()
    while current.isPunct(.star) || current.isPunct(.slash) {
      let op: BinaryOperator = current.isPunct(.star) ? .multiply : .divide
      advance()
      let rhs = parseUnary()
      lhs = Expr(.binary(op, lhs, rhs), lhs.range.union(rhs.range))
    }
    return lhs
  }

  private mutating func parseUnary() -> Expr {
    if current.isPunct(.minus) {
      let start = advance().range.start
      let operand = parseUnary()
      return Expr(.unary(.negate, operand), SourceRange(start: start, end: operand.range.end))
    }
    return parsePostfix()
  }

  /// primary { "." name [ "(" args ")" ] }
  private mutating func parsePostfix() -> Expr {
    var base = parsePrimary()
    while (current.isPunct(.dot) || current.isPunct(.leftBracket)), !current.leadingNewline {
      if let open = consume(.leftBracket) {
        var items: [SliceItem] = []
        if !current.isPunct(.rightBracket) {
          items = parseCommaList(closing: .rightBracket, opener: open) { $0.parseSliceItem() }
        }
        closeDelimiter(.rightBracket, opener: open)
        base = Expr(.subscript(base: base, items: items), range(from: base.range.start))
        continue
      }
      advance()
      let name = expectIdentifier("a member name after `.`")
      var arguments: [Argument]?
      if !current.leadingNewline, let open = consume(.leftParen) {
        var args: [Argument] = []
        if !current.isPunct(.rightParen) {
          args = parseCommaList(closing: .rightParen, opener: open) { $0.parseArgument() }
        }
        closeDelimiter(.rightParen, opener: open)
        arguments = args
      }
      base = Expr(.member(base: base, name: name, arguments: arguments), range(from: base.range.start))
    }
    return base
  }

  /// One axis of a subscript: `:`, `a:`, `:b`, `a:b`, or an index `a`.
  private mutating func parseSliceItem() -> SliceItem {
    let start = current.range.start
    var lower: Expr?
    if !current.isPunct(.colon) { lower = parseAdditive() }
    guard consume(.colon) != nil else {
      return SliceItem(kind: .index(lower ?? Expr(.missing, SourceRange(at: start))), range: range(from: start))
    }
    var upper: Expr?
    if !current.isPunct(.comma), !current.isPunct(.rightBracket) { upper = parseAdditive() }
    return SliceItem(kind: .range(lower: lower, upper: upper), range: range(from: start))
  }

  /// A single value (a literal, a name, a call, or a negated or parenthesised one) that must
  /// follow `word` on the same line: `every 500`, `repeat 5`, `count 100`.
  private mutating func parsePrimaryOrMissing(after word: String) -> Expr {
    guard valueFollows(word) else { return Expr(.missing, SourceRange(at: previousEnd)) }
    return parseUnary()
  }

  /// Reports a value missing at the end of the line after `word` (`steps` alone on its line);
  /// without this the next line's first word would be read as the value.
  private mutating func valueFollows(_ word: String) -> Bool {
    guard atEnd || current.leadingNewline || current.isPunct(.rightBrace) else { return true }
    error(
      .unexpectedToken, "expected a value after `\(word)`", at: SourceRange(at: previousEnd),
      label: "expected a value",
      help: "write it on the same line, as in `\(word == "optimizer" ? "optimizer adam(lr: 2e-4)" : "\(word) 100")`")
    return false
  }

  private mutating func parsePrimary() -> Expr {
    let t = current
    switch t.kind {
    case .integer:
      advance()
      let digits = t.text.filter { $0 != "_" }
      guard let v = Int(digits) else {
        // A number running into letters (`12abc`) was already reported by the lexer.
        if digits.allSatisfy({ ("0"..."9").contains($0) }) {
          error(.invalidNumber, "`\(t.text)` is too large", at: t.range)
        }
        return Expr(.missing, t.range)
      }
      return Expr(.integer(v), t.range)
    case .float:
      advance()
      return Expr(.float(Double(t.text.filter { $0 != "_" }) ?? .nan), t.range)
    case .string:
      advance()
      return Expr(.string(unescape(t.text)), t.range)
    case .identifier:
      advance()
      if !current.leadingNewline, let open = consume(.leftParen) {
        var arguments: [Argument] = []
        if !current.isPunct(.rightParen) {
          arguments = parseCommaList(closing: .rightParen, opener: open) { $0.parseArgument() }
        }
        closeDelimiter(.rightParen, opener: open)
        return Expr(.call(callee: Identifier(t.text, t.range), arguments: arguments), range(from: t.range.start))
      }
      return Expr(.identifier(t.text), t.range)
    case .punct(.leftParen):
      let open = advance()
      let inner = parseExpression()
      closeDelimiter(.rightParen, opener: open)
      return Expr(inner.kind, range(from: open.range.start), stageRange: inner.stageRange)
    case .punct(.leftBracket):
      let open = advance()
      var items: [Expr] = []
      if !current.isPunct(.rightBracket) {
        items = parseCommaList(closing: .rightBracket, opener: open) { $0.parseExpression() }
      }
      closeDelimiter(.rightBracket, opener: open)
      return Expr(.list(items), range(from: open.range.start))
    default:
      expected("an expression")
      return Expr(.missing, SourceRange(at: t.range.start))
    }
  }

  private mutating func parseArgument() -> Argument {
    if current.kind == .identifier, peek().isPunct(.colon) {
      let t = advance()
      advance()
      return Argument(label: Identifier(t.text, t.range), value: parseExpression())
    }
    // `dense(units=16)`, the Python and Keras spelling: reported once, then read as the
    // labelled argument it was meant to be, so the rest of the list is still checked.
    if current.kind == .identifier, peek().isPunct(.equal), !peek().leadingNewline {
      let t = advance()
      let equal = advance()
      let value = parseExpression()
      error(
        .unexpectedToken, "a labelled argument takes `:`, not `=`", at: equal.range, label: "expected `:`",
        help: "write `\(t.text): \(file.text(in: value.range))`")
      return Argument(label: Identifier(t.text, t.range), value: value)
    }
    return Argument(label: nil, value: parseExpression())
  }

  /// Elements separated by commas up to (not including) `closing`. Stops at a line that
  /// starts a declaration, so an unclosed bracket does not swallow the rest of the file.
  private mutating func parseCommaList<T>(closing: Punct, opener: Token, _ element: (inout Parser) -> T) -> [T] {
    var items: [T] = []
    while true {
      let before = index
      items.append(element(&self))
      if consume(.comma) != nil {
        if current.isPunct(closing) { break }  // trailing comma
        // `f(x,` at the end of the file or before a declaration: let the caller report the
        // bracket left open rather than a missing element.
        if atEnd || current.leadingNewline && { if case .keyword = current.kind { true } else { false } }() { break }
        if index == before { break }
        continue
      }
      break
    }
    return items
  }

  /// Consumes `closing`, or reports the bracket left open with the site that opened it.
  private mutating func closeDelimiter(_ closing: Punct, opener: Token) {
    if consume(closing) != nil { return }
    let startsDeclaration: Bool = {
      if case .keyword = current.kind { return current.leadingNewline }
      return atEnd
    }()
    // A line break before the next token also means the line ended with the bracket open:
    // `(` and `[` never continue a statement onto the next line by themselves.
    if startsDeclaration || atEnd || current.leadingNewline || current.isPunct(.rightBrace) && closing != .rightBrace {
      if !recovering, !lexErrorEnds.contains(previousEnd) {
        diagnostics.append(
          Diagnostic(
            .unclosedDelimiter, "`\(opener.text)` is never closed", at: SourceRange(at: previousEnd),
            label: "expected `\(closing.rawValue)` here", secondary: [Label(opener.range, "opened here")]))
      }
      recovering = true
      return
    }
    let what =
      "`\(closing.rawValue)` to close the `\(opener.text)` opened at line \(file.location(of: opener.range.start).line)"
    error(
      .unexpectedToken, "expected \(what), found `\(current.text)`", at: current.range, label: "expected \(what)",
      secondary: [Label(opener.range, "opened here")])
    // Skip to the closer on this line if there is one.
    while !atEnd, !current.leadingNewline, !current.isPunct(closing), !current.isPunct(.rightBrace) { advance() }
    _ = consume(closing)
  }

  private func unescape(_ quoted: String) -> String {
    var inner = Substring(quoted.dropFirst())
    if inner.hasSuffix("\"") { inner = inner.dropLast() }
    var out = ""
    var escaping = false
    for ch in inner {
      if escaping {
        out.append(ch == "n" ? "\n" : ch == "t" ? "\t" : ch)
        escaping = false
      } else if ch == "\\" {
        escaping = true
      } else {
        out.append(ch)
      }
    }
    return out
  }
}
