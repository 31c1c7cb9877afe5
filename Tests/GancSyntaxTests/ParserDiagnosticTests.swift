import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// Parsing bad input: each diagnostic's code, message and primary position, by marker.
@Suite struct ParserDiagnosticTests {
  // MARK: - Unexpected tokens, with what was expected

  @Test func missingName() {
    assertParse(
      """
      gan t
      dim 1️⃣= 3
      """,
      [DiagnosticSpec(.unexpectedToken, "expected a dimension name, found `=`", label: "expected a dimension name")])
  }

  @Test func missingColonBeforeType() {
    assertParse(
      """
      gan t
      noise z 1️⃣[B, 2] = normal(0, 1)
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `:` and a type, as in `x: [B, 64]`, found `[`")])
  }

  @Test func missingType() {
    assertParse(
      """
      gan t
      input x: 1️⃣B = d
      """,
      [DiagnosticSpec(.unexpectedToken, "expected a tensor type such as `[B, 64]`, found `B`")])
  }

  @Test func missingArrowBeforeOutput() {
    assertParse(
      """
      gan t
      net G(z: [B, 2]) 1️⃣[B, 2] {
        z |> dense(2)
      }
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `->` and the network's output type, found `[`")])
  }

  /// `dense(units=16)` as in Python: one error at the `=`, with the `:` spelling as help, and
  /// the argument is still read as the labelled one it was meant to be.
  @Test func labelWrittenWithAnEqualsSign() throws {
    let program = assertParse(
      """
      gan t
      let v = dense(x, units1️⃣=16)
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "a labelled argument takes `:`, not `=`", label: "expected `:`", help: "write `units: 16`")
      ])
    guard case .binding(let v) = try #require(program.declarations.first),
      case .call(_, let arguments) = v.value.kind
    else {
      Issue.record("expected a call")
      return
    }
    #expect(arguments.map { $0.label?.name } == [nil, "units"])
  }

  @Test func missingBraceOfNetwork() {
    assertParse(
      """
      gan t
      net G(z: [B, 2]) -> [B, 2]
        1️⃣z |> dense(2)
      }
      dim K = 3
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `{` and the network's layers, found `z`")])
  }

  @Test func missingWrt() {
    assertParse(
      """
      gan t
      train {
        step g: minimize g_loss 1️⃣G
      }
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `wrt` and the networks this step trains, found `G`")])
  }

  @Test func missingMinimize() {
    assertParse(
      """
      gan t
      train {
        step g: 1️⃣maximize g_loss wrt G
      }
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `minimize` and a loss name, found `maximize`")])
  }

  @Test func unknownStepClause() {
    assertParse(
      """
      gan t
      train {
        step g: minimize g_loss wrt G 1️⃣twice
      }
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `repeat N`, `using OPTIMIZER` or the end of the line, found `twice`")]
    )
  }

  @Test func logWithoutEvery() {
    assertParse(
      """
      gan t
      train {
        log 1️⃣200
      }
      """,
      [DiagnosticSpec(.unexpectedToken, "expected `every` and an interval, as in `log every 100`, found `200`")])
  }

  @Test func twoStatementsOnALine() {
    assertParse(
      """
      gan t
      dim K = 3 1️⃣dim Z = 4
      let a = f(x) 2️⃣g(y)
      """,
      [
        DiagnosticSpec(.unexpectedToken, "expected the end of the line, found `dim`", at: "1️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected the end of the line, found `g`", at: "2️⃣"),
      ])
  }

  @Test func missingExpression() {
    assertParse(
      """
      gan t
      let a = 1 + 1️⃣)
      """,
      [DiagnosticSpec(.unexpectedToken, "expected an expression, found `)`", label: "expected an expression")])
  }

  @Test func pipeIntoSomethingThatIsNotAName() {
    assertParse(
      """
      gan t
      let a = x |> 1️⃣(f)
      let b = x |> 2️⃣3
      """,
      [
        DiagnosticSpec(.unexpectedToken, "expected a layer or network name after `|>`, found `(`", at: "1️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected a layer or network name after `|>`, found `3`", at: "2️⃣"),
      ])
  }

  @Test func chainedComparisonsAndEquality() {
    assertParse(
      """
      gan t
      let a = x < y 1️⃣< z
      let b = x 2️⃣== y
      let c = 0..<1 3️⃣..<2
      """,
      [
        DiagnosticSpec(.unexpectedToken, "expected the end of the line, found `<`", at: "1️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected the end of the line, found `==`", at: "2️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected the end of the line, found `..<`", at: "3️⃣"),
      ])
  }

  @Test func keywordAsAName() {
    assertParse(
      """
      gan t
      input 1️⃣data: [B, 2] = ring
      let 2️⃣loss = 3
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "`data` is a keyword and cannot be used as an input name", at: "1️⃣", label: "a keyword",
          help: "choose another name, such as `data_`"),
        DiagnosticSpec(
          .unexpectedToken, "`loss` is a keyword and cannot be used as a name", at: "2️⃣",
          help: "choose another name, such as `loss_`"),
      ])
  }

  @Test func bindingWithoutLet() {
    assertParse(
      """
      gan t
      1️⃣fake = G(z)
      """,
      [DiagnosticSpec(.unexpectedToken, "a top-level binding needs `let`", help: "write `let fake = ...`")])
  }

  @Test func notADeclaration() {
    assertParse(
      """
      gan t
      1️⃣frobnicate the model
      2️⃣42
      """,
      [
        DiagnosticSpec(
          .unexpectedToken,
          "expected a declaration (`batch`, `dim`, `data`, `input`, `noise`, `net`, `block`, `let`, `loss`, `metric`, `train`), found `frobnicate`",
          at: "1️⃣")
        // The second line is skipped with the first: recovery resumes at a declaration keyword.
      ])
    assertParse(
      """
      gan t
      1️⃣42
      """,
      [DiagnosticSpec(.unexpectedToken, "expected a declaration, found `42`")])
  }

  // MARK: - The header

  @Test func missingHeader() {
    assertParse(
      """
      1️⃣batch B = 4
      """,
      [
        DiagnosticSpec(
          .missingDeclaration, "a model starts with `gan NAME`", help: "add a first line such as `gan my_model`")
      ])
    assertParse("1️⃣", [DiagnosticSpec(.missingDeclaration, "a model starts with `gan NAME`")])
  }

  @Test func secondHeader() {
    assertParse(
      """
      gan t
      batch B = 4
      1️⃣gan u
      dim K = 3
      """,
      [DiagnosticSpec(.duplicateDeclaration, "a file holds one model; `gan` may appear only on its first line")])
  }

  // MARK: - Misspelt keywords and settings

  @Test func misspeltTopLevelKeyword() {
    assertParse(
      """
      gan t
      batch B = 4
      1️⃣nett G(z: [B, 2]) -> [B, 2] {
        z |> dense(2)
      }
      2️⃣lett fake = G(z)
      3️⃣trian {
        steps 10
      }
      """,
      [
        DiagnosticSpec(
          .unknownKeyword, "unknown declaration `nett`", at: "1️⃣", label: "not a keyword", help: "did you mean `net`?"),
        DiagnosticSpec(.unknownKeyword, "unknown declaration `lett`", at: "2️⃣", help: "did you mean `let`?"),
        DiagnosticSpec(.unknownKeyword, "unknown declaration `trian`", at: "3️⃣", help: "did you mean `train`?"),
      ])
  }

  /// Recovery skips the whole body of a misspelt network, its `let`s included, and the
  /// declarations after it parse.
  @Test func recoverySkipsTheBodyOfAMisspeltNetwork() {
    let p = assertParse(
      """
      gan t
      batch B = 4
      1️⃣nett G(z: [B, 2]) -> [B, 2] {
        let h = z |> dense(3)
        h |> dense(2)
      }
      let fake = G(z)
      2️⃣dat d = csv("d.csv")
      train {
        steps 10
      }
      """,
      [
        DiagnosticSpec(.unknownKeyword, "unknown declaration `nett`", at: "1️⃣", help: "did you mean `net`?"),
        DiagnosticSpec(.unknownKeyword, "unknown declaration `dat`", at: "2️⃣", help: "did you mean `data`?"),
      ])
    #expect(p.declarations.count == 3)
    // A stray `}` does not make the skip pass over a top-level `let`.
    assertParse(
      """
      gan t
      1️⃣}
      let a = 1
      let b = 2️⃣)
      """,
      [
        DiagnosticSpec(.unexpectedToken, "expected a declaration, found `}`", at: "1️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected an expression, found `)`", at: "2️⃣"),
      ])
  }

  @Test func unknownTrainingSetting() {
    let all = "the settings are `steps`, `epochs`, `seed`, `optimizer`, `log`, `checkpoint`, `step`, `sample`, `phase`"
    assertParse(
      """
      gan t
      train {
        1️⃣stesp 100
        2️⃣optimiser adam(lr: 2e-4)
        3️⃣frobnicate 3
        4️⃣42
        seed 7
      }
      """,
      [
        DiagnosticSpec(
          .unknownKeyword, "unknown training setting `stesp`", at: "1️⃣", label: "not a setting",
          help: "did you mean `steps`?"),
        DiagnosticSpec(
          .unknownKeyword, "unknown training setting `optimiser`", at: "2️⃣", help: "did you mean `optimizer`?"),
        DiagnosticSpec(.unknownKeyword, "unknown training setting `frobnicate`", at: "3️⃣", help: all),
        DiagnosticSpec(
          .unexpectedToken, "expected a training setting such as `steps`, `optimizer` or `step`, found `42`", at: "4️⃣"),
      ])
  }

  @Test func settingWithoutAValue() {
    // Without a value on its line, `steps` would take the next line's first word.
    assertParse(
      """
      gan t
      train {
        steps1️⃣
        seed 7
        log every2️⃣
        step g: minimize l wrt G repeat3️⃣
        sample every 100 count4️⃣
      }
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "expected a value after `steps`", at: "1️⃣", end: "1️⃣", label: "expected a value",
          help: "write it on the same line, as in `steps 100`"),
        DiagnosticSpec(.unexpectedToken, "expected a value after `every`", at: "2️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected a value after `repeat`", at: "3️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected a value after `count`", at: "4️⃣"),
      ])
    assertParse(
      """
      gan t
      train {
        optimizer1️⃣
      }
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "expected a value after `optimizer`",
          help: "write it on the same line, as in `optimizer adam(lr: 2e-4)`")
      ])
  }

  // MARK: - Unclosed brackets, with the opening site

  @Test func unclosedParenthesisAtTheEnd() {
    assertParse(
      """
      gan t
      let a = f2️⃣(x, y1️⃣
      """,
      [
        DiagnosticSpec(
          .unclosedDelimiter, "`(` is never closed", label: "expected `)` here", secondary: [("2️⃣", "opened here")])
      ])
    // After a trailing comma too.
    assertParse(
      "gan t\nlet a = f2️⃣(x,1️⃣",
      [DiagnosticSpec(.unclosedDelimiter, "`(` is never closed", secondary: [("2️⃣", "opened here")])])
  }

  @Test func unclosedParenthesisBeforeADeclaration() {
    assertParse(
      """
      gan t
      loss l = mse2️⃣(G(z), 01️⃣
      train {
        steps 10
      }
      """,
      [DiagnosticSpec(.unclosedDelimiter, "`(` is never closed", secondary: [("2️⃣", "opened here")])])
  }

  /// A `(` left open at the end of a body line is reported there, and the next line parses.
  @Test func unclosedParenthesisAtALineBreak() {
    assertParse(
      """
      gan t
      net G(z: [B, 2]) -> [B, 2] {
        let h = dense2️⃣(z, 31️⃣
        h |> dense(2)
      }
      """,
      [DiagnosticSpec(.unclosedDelimiter, "`(` is never closed", secondary: [("2️⃣", "opened here")])])
  }

  @Test func unclosedBracket() {
    assertParse(
      """
      gan t
      noise z: 2️⃣[B, 2 1️⃣= normal(0, 1)
      input x: 4️⃣[B, 23️⃣
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "expected `]` to close the `[` opened at line 2, found `=`", at: "1️⃣",
          secondary: [("2️⃣", "opened here")]),
        DiagnosticSpec(.unclosedDelimiter, "`[` is never closed", at: "3️⃣", secondary: [("4️⃣", "opened here")]),
      ])
  }

  @Test func unclosedBrace() {
    assertParse(
      """
      gan t
      net G(z: [B, 2]) -> [B, 2] 2️⃣{
        z |> dense(2)1️⃣
      loss l = mse(G(z), 0)
      train 4️⃣{
        steps 103️⃣
      """,
      [
        DiagnosticSpec(
          .unclosedDelimiter, "`{` is never closed", at: "1️⃣", label: "expected `}` here",
          secondary: [("2️⃣", "opened here")]),
        DiagnosticSpec(.unclosedDelimiter, "`{` is never closed", at: "3️⃣", secondary: [("4️⃣", "opened here")]),
      ])
  }

  @Test func wrongCloser() {
    assertParse(
      """
      gan t
      let a = f2️⃣(x 1️⃣y z)
      let b = g4️⃣(x3️⃣]
      """,
      [
        // Only the first error on a line is reported; the rest of the line up to `)` is skipped.
        DiagnosticSpec(
          .unexpectedToken, "expected `)` to close the `(` opened at line 2, found `y`",
          label: "expected `)` to close the `(` opened at line 2", secondary: [("2️⃣", "opened here")]),
        DiagnosticSpec(
          .unexpectedToken, "expected `)` to close the `(` opened at line 3, found `]`", at: "3️⃣",
          secondary: [("4️⃣", "opened here")]),
      ])
  }

  // MARK: - Network bodies

  @Test func networkBodyShape() {
    assertParse(
      """
      gan t
      net G(z: [B, 2]) -> [B, 2] {
        z |> dense(2)
        1️⃣z |> dense(3)
      }
      net 3️⃣H(z: [B, 2]) -> [B, 2] {
        let a = z
      }2️⃣
      net K(z: [B, 2]) -> [B, 2] {
        4️⃣z
        let a = z
      }
      """,
      [
        DiagnosticSpec(
          .unexpectedToken, "a network body has one result expression, after its `let`s", at: "1️⃣",
          help: "bind earlier values with `let`, or join the lines with `|>`"),
        DiagnosticSpec(
          .unexpectedToken, "network `H` has no result", at: "2️⃣",
          secondary: [("3️⃣", "declared here")],
          help: "end the body with an expression, such as `x |> dense(1)`"),
        DiagnosticSpec(.unexpectedToken, "the network's result must be its last line", at: "4️⃣"),
      ])
  }

  // MARK: - Lexical errors reach the parse

  @Test func lexicalErrorsAreReportedOnce() {
    assertParse(
      """
      gan t
      batch B = 641️⃣;
      dim Z = 2️⃣12abc
      dim W = 3️⃣2e
      dim V = 4️⃣99999999999999999999
      data d = csv(5️⃣"data.csv)
      dim K = 3 6️⃣$
      """,
      [
        DiagnosticSpec(.invalidCharacter, "`;` is not part of the language", at: "1️⃣"),
        DiagnosticSpec(.invalidNumber, "a number cannot run into letters", at: "2️⃣"),
        DiagnosticSpec(.invalidNumber, "an exponent needs digits", at: "3️⃣"),
        DiagnosticSpec(.invalidNumber, "`99999999999999999999` is too large", at: "4️⃣"),
        DiagnosticSpec(.unterminatedString, "this string is never closed", at: "5️⃣"),
        DiagnosticSpec(.invalidCharacter, "`$` is not part of the language", at: "6️⃣"),
      ])
  }

  // MARK: - Recovery: several errors in one file are all reported

  @Test func severalErrorsInOneFile() {
    let p = assertParse(
      """
      gan t
      batch B = 4
      dim 1️⃣= 3
      noise z 2️⃣[B, 2] = normal(0, 1)
      net G(z: [B, 2]) 3️⃣[B, 2] {
        z |> dense(2)
      }
      loss l = mse(G(z) 4️⃣0)
      5️⃣nett D(x: [B, 2]) -> [B, 1] {
        x |> dense(1)
      }
      train {
        steps6️⃣
        seed 7
        7️⃣stesp 3
        step g: minimize l 8️⃣G
      }
      let ok = 9️⃣$
      """,
      [
        DiagnosticSpec(.unexpectedToken, "expected a dimension name, found `=`", at: "1️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected `:` and a type, as in `x: [B, 64]`, found `[`", at: "2️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected `->` and the network's output type, found `[`", at: "3️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected `)` to close the `(` opened at line 8, found `0`", at: "4️⃣"),
        DiagnosticSpec(.unknownKeyword, "unknown declaration `nett`", at: "5️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected a value after `steps`", at: "6️⃣"),
        DiagnosticSpec(.unknownKeyword, "unknown training setting `stesp`", at: "7️⃣"),
        DiagnosticSpec(.unexpectedToken, "expected `wrt` and the networks this step trains, found `G`", at: "8️⃣"),
        DiagnosticSpec(.invalidCharacter, "`$` is not part of the language", at: "9️⃣"),
      ])
    // Recovery keeps the good declarations around the bad ones.
    let kinds = p.declarations.map { d -> String in
      switch d {
      case .dimension(let x): "dim \(x.name.name)"
      case .noise(let x): "noise \(x.name.name)"
      case .net(let x): "net \(x.name.name)"
      case .loss(let x): "loss \(x.name.name)"
      case .train: "train"
      case .binding(let x): "let \(x.name.name)"
      default: "other"
      }
    }
    #expect(kinds == ["dim B", "dim ", "noise z", "net G", "loss l", "train", "let ok"])
  }
}
