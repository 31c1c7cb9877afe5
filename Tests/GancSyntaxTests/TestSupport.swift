import Foundation
import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

// The marker helpers are in Tests/GancTestSupport.

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
  case .subscript(let base, let items):
    let parts = items.map { item -> String in
      switch item.kind {
      case .index(let x): return sexpr(x)
      case .range(let a, let b): return (a.map(sexpr) ?? "") + ":" + (b.map(sexpr) ?? "")
      }
    }
    return "([] \(sexpr(base)) \(parts.joined(separator: " ")))"
  case .list(let xs): return "[" + xs.map(sexpr).joined(separator: ", ") + "]"
  case .missing: return "<missing>"
  }
}
