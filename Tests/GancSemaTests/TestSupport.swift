import Foundation
import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

// The marker helpers are in Tests/GancTestSupport.

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
