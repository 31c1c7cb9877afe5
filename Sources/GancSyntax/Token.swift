import GancSource

/// The kinds of token in a `.gan` file.
public enum TokenKind: Hashable, Sendable {
  case identifier
  case keyword(Keyword)
  case integer
  case float
  case string
  case punct(Punct)
  /// A character the language does not use; the lexer has already reported it.
  case invalid
  case endOfFile
}

/// Reserved words: they start declarations and cannot name things.
public enum Keyword: String, CaseIterable, Sendable {
  case gan, batch, dim, data, input, noise, net, block, `let`, loss, metric, train
}

/// Words with a meaning only in one place (a training block, a type, a step). They stay
/// ordinary identifiers elsewhere, so a user may still call a network input `steps`.
public enum ContextualKeyword: String, CaseIterable, Sendable {
  // training block items
  case step, steps, epochs, seed, optimizer, log, sample, checkpoint, phase
  // inside a step
  case minimize, wrt, `repeat`, using, when
  // inside sample / log / checkpoint
  case every, count, `as`
  // in a type
  case `class`
}

/// Punctuation, longest match first when lexing.
public enum Punct: String, CaseIterable, Sendable {
  case ellipsis = "..."
  case halfOpenRange = "..<"
  case pipe = "|>"
  case arrow = "->"
  case lessEqual = "<="
  case greaterEqual = ">="
  case equalEqual = "=="
  case notEqual = "!="
  case leftParen = "("
  case rightParen = ")"
  case leftBracket = "["
  case rightBracket = "]"
  case leftBrace = "{"
  case rightBrace = "}"
  case comma = ","
  case colon = ":"
  case equal = "="
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case dot = "."
  case less = "<"
  case greater = ">"
}

/// A token: its kind, where it is, and whether a line break comes before it.
///
/// Newlines are not tokens. The parser uses `leadingNewline` to end statements and to keep
/// `(` and `[` on a new line from being read as a call or subscript of the line before.
public struct Token: Sendable, Hashable {
  public var kind: TokenKind
  public var range: SourceRange
  public var text: String
  public var leadingNewline: Bool

  public init(kind: TokenKind, range: SourceRange, text: String, leadingNewline: Bool) {
    self.kind = kind
    self.range = range
    self.text = text
    self.leadingNewline = leadingNewline
  }

  public func isPunct(_ p: Punct) -> Bool { kind == .punct(p) }
  public func isKeyword(_ k: Keyword) -> Bool { kind == .keyword(k) }
  /// True for an identifier spelled as the contextual keyword `k`.
  public func isContextual(_ k: ContextualKeyword) -> Bool { kind == .identifier && text == k.rawValue }
}

extension TokenKind: CustomStringConvertible {
  /// How a token kind is named in "expected ..." messages.
  public var description: String {
    switch self {
    case .identifier: "a name"
    case .keyword(let k): "`\(k.rawValue)`"
    case .integer: "an integer"
    case .float: "a number"
    case .string: "a string"
    case .punct(let p): "`\(p.rawValue)`"
    case .invalid: "an invalid character"
    case .endOfFile: "the end of the file"
    }
  }
}
