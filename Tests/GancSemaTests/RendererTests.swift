import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// The text layout of rendered diagnostics: header with code, `-->` path:line:col, the
/// gutter, carets under the primary range, dashes under secondary ones, `...` between
/// distant lines, then `= note:` and `= help:`.
@Suite struct RendererTests {
  func render(_ text: String, code: DiagnosticCode) throws -> String {
    let (_, diagnostics, file) = check(text)
    let d = try #require(diagnostics.first { $0.code == code }, "\(describe(diagnostics, in: file))")
    return DiagnosticRenderer().render(d, in: file)
  }

  @Test func layerWidthErrorWithSecondaryLabelNoteAndHelp() throws {
    let text = Fixture.model(
      g: """
        net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
          z |> dense(128, in: Z + K) |> relu |> dense(P) |> tanh
        }
        """)
    let expected = """
      error[E0101]: `dense` expects an input of width 42, but it gets width 32
        --> t.gan:12:8
         |
      11 | net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
         |          ------ `z` is declared [B, Z] here
      12 |   z |> dense(128, in: Z + K) |> relu |> dense(P) |> tanh
         |        ^^^^^^^^^^^^^^^^^^^^^ expects width Z + K = 42
         = note: Z = 32, K = 10 (declared at lines 3 and 4)
         = help: change `in:` to 32, or change what feeds this layer

      """
    #expect(try render(text, code: .layerInputWidth) == expected)
  }

  @Test func distantLinesAreSeparatedByAnEllipsis() throws {
    let text = Fixture.model(header: Fixture.header + "\ndim Z = 3")
    let expected = """
      error[E0013]: `Z` is declared twice
        --> t.gan:11:5
         |
       3 | dim Z = 32
         |     - first declared here as a dimension
      ...
      11 | dim Z = 3
         |     ^ declared again here
         = help: rename one of them

      """
    #expect(try render(text, code: .duplicateDeclaration) == expected)
  }

  @Test func twoLabelsOnOneLineAreInColumnOrder() throws {
    let text = Fixture.model(extra: "let v = reshape(x, B, 3)")
    let rendered = try render(text, code: .layoutMismatch)
    let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(
      lines[0]
        == "error[E0111]: `reshape` keeps every element, but [B, P] = [64, 64] has 4096 and [B, 3] = [64, 3] has 192")
    #expect(lines[1] == "  --> t.gan:17:20")
    #expect(lines.contains("17 | let v = reshape(x, B, 3)"))
    // `x` at column 17, then `B, 3` at columns 20–23.
    let i = try #require(lines.firstIndex(of: "17 | let v = reshape(x, B, 3)"))
    #expect(lines[i + 1] == "   |                 - 4096 elements")
    #expect(lines[i + 2] == "   |                    ^^^^ 192 elements")
  }

  @Test func warningHeaderAndSummaryLine() throws {
    let text = Fixture.model(
      g: """
        net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
          z |> dense(128, in: Z + K) |> relu |> dense(P) |> tanh
        }
        """)
    let (_, diagnostics, file) = check(text)
    var bag = DiagnosticBag()
    bag.append(contentsOf: diagnostics)
    let out = DiagnosticRenderer().render(bag, in: file)
    #expect(out.hasPrefix("warning[W0002]: input `y` of network `G` is never used\n  --> t.gan:11:18\n"))
    #expect(out.contains("\n\nerror[E0101]: "))
    #expect(out.hasSuffix("\nerror: t.gan: 1 error, 1 warning\n"))
    // Colours only when asked for.
    #expect(!out.contains("\u{1B}["))
    #expect(DiagnosticRenderer(colors: true).render(bag, in: file).contains("\u{1B}[1;31merror[E0101]\u{1B}[0m"))
  }

  /// Columns count characters, not bytes, so the caret stays under the mistake after
  /// non-ASCII text; an empty range gets one caret.
  @Test func caretsAfterNonASCIIAndAtTheEndOfAFile() throws {
    let file = SourceFile(path: "u.gan", text: "gan t\nlet s = \"é×\" $\nlet a = f(x,")
    let (_, diagnostics) = Parser.parse(file)
    #expect(diagnostics.map(\.code) == [.invalidCharacter, .unclosedDelimiter])
    let invalid = DiagnosticRenderer().render(diagnostics[0], in: file)
    #expect(
      invalid == """
        error[E0001]: `$` is not part of the language
         --> u.gan:2:14
          |
        2 | let s = "é×" $
          |              ^

        """)
    let unclosed = DiagnosticRenderer().render(diagnostics[1], in: file)
    #expect(
      unclosed == """
        error[E0011]: `(` is never closed
         --> u.gan:3:13
          |
        3 | let a = f(x,
          |          - opened here
          |             ^ expected `)` here

        """)
  }
}
