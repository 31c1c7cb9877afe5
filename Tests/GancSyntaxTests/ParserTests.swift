import GancDiagnostics
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// Parsing good input: each declaration form, and expressions with their precedence.
@Suite struct ParserTests {
  static let everyForm = """
    gan every_form   # the header
    batch B = 64
    dim Z = 32
    dim K = 10
    data digits = csv("data/digits.csv")
    input x: [B, 64] = digits.columns(0..<64).scaled(from: 0...16, to: -1...1)
    input y: [B] class(K) = digits.column(64)
    noise z: [B, Z] = normal(0, 1)

    net G(z: [B, Z], y: [B] class(K)) -> [B, 64] {
      let h = concat(z, one_hot(y))
      h |> dense(128, in: Z + K) |> relu
        |> dense(64) |> tanh
    }
    net Empty() -> [B, 1] { 0 }

    let fake = G(z, y)
    loss g_loss = bce_logits(fake, 1)

    train {
      steps 6000
      epochs 3
      seed 7
      optimizer adam(lr: 2e-4, beta1: 0.5)
      step d: minimize d_loss wrt D, E repeat 5 using adam(lr: 1e-4)
      step g: minimize g_loss wrt G
      log every 500
      checkpoint every 1000
      sample every 1000 count 100: G(z, y) as image(8, 8)
      sample: G(z, y)
    }
    """

  @Test func everyDeclarationForm() throws {
    let p = assertParse(Self.everyForm)
    #expect(p.name?.name == "every_form")
    let d = p.declarations
    #expect(d.count == 12)

    guard case .dimension(let batch) = d[0], case .dimension(let dimZ) = d[1] else {
      Issue.record("expected dims")
      return
    }
    #expect(batch.isBatch && batch.name.name == "B" && sexpr(batch.value) == "64")
    #expect(!dimZ.isBatch && dimZ.name.name == "Z" && sexpr(dimZ.value) == "32")

    guard case .data(let data) = d[3] else { Issue.record("expected data"); return }
    #expect(data.name.name == "digits" && sexpr(data.source) == #"csv("data/digits.csv")"#)

    guard case .input(let x) = d[4], case .input(let y) = d[5] else { Issue.record("expected inputs"); return }
    #expect(x.type.dimensions.map(sexpr) == ["B", "64"] && x.type.classCount == nil)
    #expect(sexpr(x.source) == "(. (. digits columns((..< 0 64))) scaled(from: (... 0 16), to: (... (- 1) 1)))")
    #expect(y.type.dimensions.map(sexpr) == ["B"] && y.type.classCount.map(sexpr) == "K")
    #expect(sexpr(y.source) == "(. digits column(64))")

    guard case .noise(let z) = d[6] else { Issue.record("expected noise"); return }
    #expect(
      z.name.name == "z" && z.type.dimensions.map(sexpr) == ["B", "Z"] && sexpr(z.distribution) == "normal(0, 1)")

    guard case .net(let g) = d[7], case .net(let empty) = d[8] else { Issue.record("expected nets"); return }
    #expect(g.name.name == "G")
    #expect(g.parameters.map(\.name.name) == ["z", "y"])
    #expect(g.parameters[1].type.classCount.map(sexpr) == "K")
    #expect(g.output.dimensions.map(sexpr) == ["B", "64"])
    #expect(g.body.count == 1)
    if case .binding(let h) = g.body[0] {
      #expect(h.name.name == "h" && sexpr(h.value) == "concat(z, one_hot(y))")
    }
    #expect(sexpr(g.result) == "tanh(dense(relu(dense(h, 128, in: (+ Z K))), 64))")
    #expect(empty.parameters.isEmpty && empty.body.isEmpty && sexpr(empty.result) == "0")

    guard case .binding(let fake) = d[9], case .loss(let loss) = d[10] else {
      Issue.record("expected let, loss"); return
    }
    #expect(fake.name.name == "fake" && sexpr(fake.value) == "G(z, y)")
    #expect(loss.name.name == "g_loss" && sexpr(loss.value) == "bce_logits(fake, 1)")

    guard case .train(let train) = d[11] else { Issue.record("expected train"); return }
    let items = train.items
    #expect(items.count == 10)
    var settings: [String] = []
    for item in items {
      if case .setting(let n, let v) = item { settings.append("\(n.name) \(sexpr(v))") }
      if case .every(let n, let v) = item { settings.append("\(n.name) every \(sexpr(v))") }
    }
    #expect(
      settings == [
        "steps 6000", "epochs 3", "seed 7", "optimizer adam(lr: 0.0002, beta1: 0.5)", "log every 500",
        "checkpoint every 1000",
      ])
    guard case .step(let sd) = items[4], case .step(let sg) = items[5] else { Issue.record("expected steps"); return }
    #expect(sd.name.name == "d" && sd.loss.name == "d_loss" && sd.networks.map(\.name) == ["D", "E"])
    #expect(sd.repeatCount.map(sexpr) == "5" && sd.optimizer.map(sexpr) == "adam(lr: 0.0001)")
    #expect(sg.networks.map(\.name) == ["G"] && sg.repeatCount == nil && sg.optimizer == nil)
    guard case .sample(let s1) = items[8], case .sample(let s2) = items[9] else {
      Issue.record("expected samples"); return
    }
    #expect(s1.interval.map(sexpr) == "1000" && s1.count.map(sexpr) == "100")
    #expect(sexpr(s1.value) == "G(z, y)" && s1.view.map(sexpr) == "image(8, 8)")
    #expect(s2.interval == nil && s2.count == nil && s2.view == nil)
  }

  @Test func declarationRangesCoverTheirText() throws {
    let p = assertParse(Self.everyForm)
    let file = SourceFile(path: "t", text: Self.everyForm)
    let texts = p.declarations.map { file.text(in: $0.range) }
    #expect(texts[0] == "batch B = 64")
    #expect(texts[4] == "input x: [B, 64] = digits.columns(0..<64).scaled(from: 0...16, to: -1...1)")
    #expect(texts[7].hasPrefix("net G(") && texts[7].hasSuffix("|> dense(64) |> tanh\n}"))
    #expect(texts[11].hasPrefix("train {") && texts[11].hasSuffix("sample: G(z, y)\n}"))
  }

  @Test func theExampleModelsParse() throws {
    for url in try modelFiles() {
      let text = try String(contentsOf: url, encoding: .utf8)
      let (program, diagnostics) = Parser.parse(SourceFile(path: url.path, text: text))
      #expect(diagnostics.isEmpty)
      #expect(program.declarations.count > 8)
    }
  }

  // MARK: - Expressions

  struct ExprCase: CustomTestStringConvertible, Sendable {
    var source: String
    var tree: String
    var testDescription: String { source }
  }

  static let precedence: [ExprCase] = [
    // Arithmetic: * / bind tighter than + -, both left-associative.
    .init(source: "a + b * c", tree: "(+ a (* b c))"),
    .init(source: "a * b + c", tree: "(+ (* a b) c)"),
    .init(source: "a - b - c", tree: "(- (- a b) c)"),
    .init(source: "a / b / c", tree: "(/ (/ a b) c)"),
    .init(source: "(a + b) * c", tree: "(* (+ a b) c)"),
    .init(source: "2 * K + 64", tree: "(+ (* 2 K) 64)"),
    // Unary minus binds tighter than everything but postfix; negative numbers are negations.
    .init(source: "-1", tree: "(- 1)"),
    .init(source: "-x * 2", tree: "(* (- x) 2)"),
    .init(source: "--x", tree: "(- (- x))"),
    .init(source: "2 - -3", tree: "(- 2 (- 3))"),
    .init(source: "-2.5e-3", tree: "(- 0.0025)"),
    .init(source: "-d.columns(1)", tree: "(- (. d columns(1)))"),
    // Ranges bind looser than arithmetic.
    .init(source: "0..<64", tree: "(..< 0 64)"),
    .init(source: "0...16", tree: "(... 0 16)"),
    .init(source: "-1...1", tree: "(... (- 1) 1)"),
    .init(source: "K..<K + 64", tree: "(..< K (+ K 64))"),
    .init(source: "0.5...1.5", tree: "(... 0.5 1.5)"),
    // Comparisons bind looser than ranges.
    .init(source: "a < b + 1", tree: "(< a (+ b 1))"),
    .init(source: "a >= 0...1", tree: "(>= a (... 0 1))"),
    .init(source: "a <= b", tree: "(<= a b)"),
    .init(source: "a > b", tree: "(> a b)"),
    // Pipes bind loosest; a stage gets the value so far as its first argument.
    .init(source: "x |> f", tree: "f(x)"),
    .init(source: "x |> f(a)", tree: "f(x, a)"),
    .init(source: "x |> f(a, k: b)", tree: "f(x, a, k: b)"),
    .init(source: "x |> f |> g(1)", tree: "g(f(x), 1)"),
    .init(source: "a + b |> f", tree: "f((+ a b))"),
    .init(source: "a < b |> f", tree: "f((< a b))"),
    .init(source: "(x |> f) + 1", tree: "(+ f(x) 1)"),
    .init(source: "concat(z, y |> one_hot) |> dense(128)", tree: "dense(concat(z, one_hot(y)), 128)"),
    // Calls, labelled arguments, trailing commas, members.
    .init(source: "f()", tree: "f()"),
    .init(source: "f(a, b,)", tree: "f(a, b)"),
    .init(
      source: "dense(x, units: 128, in: Z + K, bias: false)", tree: "dense(x, units: 128, in: (+ Z K), bias: false)"),
    .init(source: "f(count: 3, steps: 4)", tree: "f(count: 3, steps: 4)"),
    .init(source: "f(k: x |> g)", tree: "f(k: g(x))"),
    .init(
      source: "d.columns(0..<64).scaled(from: 0...16, to: -1...1)",
      tree: "(. (. d columns((..< 0 64))) scaled(from: (... 0 16), to: (... (- 1) 1)))"),
    .init(source: "d.rows", tree: "(. d rows)"),
    .init(source: "1_000 + 0.5", tree: "(+ 1000 0.5)"),
    .init(source: #""a\"b\n""#, tree: "\"a\"b\n\""),
    // Subscripts: one item per axis; `a:b` with either bound left out, or an index.
    .init(source: "h[:, 1:, :]", tree: "([] h : 1: :)"),
    .init(source: "h_hat[:, :-1]", tree: "([] h_hat : :(- 1))"),
    .init(source: "x[0, 2:T - 1]", tree: "([] x 0 2:(- T 1))"),
    .init(source: "G(z)[:, 0]", tree: "([] G(z) : 0)"),
    .init(source: "x[:, 1:] |> f", tree: "f(([] x : 1:))"),
    .init(source: "-x[1:]", tree: "(- ([] x 1:))"),
    .init(source: "x[]", tree: "([] x )"),
    // Lists.
    .init(source: #"["alto", "tenor"]"#, tree: #"["alto", "tenor"]"#),
    .init(source: "[]", tree: "[]"),
    .init(source: "f(columns: [a, b,])", tree: "f(columns: [a, b])"),
    // Line breaks: inside arguments after a comma, and before `|>` or an operator.
    .init(source: "f(a,\n  b)", tree: "f(a, b)"),
    .init(source: "x\n  |> f\n  |> g(2)", tree: "g(f(x), 2)"),
    .init(source: "a\n  + b", tree: "(+ a b)"),
  ]

  @Test(arguments: precedence)
  func expressionTree(_ c: ExprCase) {
    guard let e = parseExpression(c.source) else { return }
    #expect(sexpr(e) == c.tree)
  }

  /// `x |> f(a)` is the same call as `f(x, a)`; its range covers the whole pipeline and its
  /// `stageRange` the stage alone, where layer errors point.
  @Test func pipeIsACall() throws {
    let text = "gan t\nlet v = x |> f(a)\nlet w = f(x, a)\n"
    let (p, diagnostics) = Parser.parse(SourceFile(path: "t", text: text))
    #expect(diagnostics.isEmpty)
    guard case .binding(let v) = p.declarations[0], case .binding(let w) = p.declarations[1] else {
      Issue.record("expected two lets"); return
    }
    #expect(sexpr(v.value) == sexpr(w.value))
    guard case .call(let callee, let args) = v.value.kind else { Issue.record("expected a call"); return }
    #expect(callee.name == "f" && args.count == 2 && args.allSatisfy { $0.label == nil })
    let file = SourceFile(path: "t", text: text)
    #expect(file.text(in: v.value.range) == "x |> f(a)")
    #expect(v.value.stageRange.map { file.text(in: $0) } == "f(a)")
    #expect(w.value.stageRange == nil)
    // A parenthesised pipeline keeps its stage range.
    guard let e = parseExpression("(z |> dense(3))") else { return }
    #expect(e.stageRange != nil)
  }

  @Test func expressionRanges() {
    let text = "gan t\nlet v = -a + b * (c - 1)\n"
    let (p, _) = Parser.parse(SourceFile(path: "t", text: text))
    guard case .binding(let v) = p.declarations[0], case .binary(.add, let l, let r) = v.value.kind else {
      Issue.record("expected a sum"); return
    }
    let file = SourceFile(path: "t", text: text)
    #expect(file.text(in: v.value.range) == "-a + b * (c - 1)")
    #expect(file.text(in: l.range) == "-a")
    #expect(file.text(in: r.range) == "b * (c - 1)")
  }

  /// `(` on a new line is not a call of the name before it, and `.` on a new line is not a
  /// member access: each starts the next statement.
  @Test func openingParenthesisOnANewLineIsNotACall() throws {
    let p = assertParse(
      """
      gan t
      net N(x: [B, 2]) -> [B, 2] {
        let a = f
        (a)
      }
      """)
    guard case .net(let n) = p.declarations[0], case .binding(let a) = n.body[0] else {
      Issue.record("expected a net with a let"); return
    }
    #expect(sexpr(a.value) == "f")
    #expect(sexpr(n.result) == "a")
  }

  @Test func commentsAndBlankLinesAnywhere() {
    let p = assertParse(
      """
      # leading comment

      gan t # name
      # between
      batch B = 4 # after

      net G(z: [B, 2]) -> [B, 2] { # after the brace
        # inside
        let h = z # a let

        h |> dense(2) # the result
        # before the brace
      }
      train { # open
        steps 10 # a setting
        # alone
      } # close
      """)
    #expect(p.declarations.count == 3)
  }

  @Test func oneLineBodies() {
    let p = assertParse(
      """
      gan t
      net G(z: [B, 2]) -> [B, 2] { z |> dense(2) }
      train { steps 10 }
      """)
    guard case .net(let g) = p.declarations[0], case .train(let t) = p.declarations[1] else {
      Issue.record("expected net and train"); return
    }
    #expect(sexpr(g.result) == "dense(z, 2)")
    #expect(t.items.count == 1)
  }

  /// Contextual keywords are names outside the places where they are keywords.
  @Test func contextualKeywordsAreNamesElsewhere() {
    let p = assertParse(
      """
      gan t
      input steps: [B, 2] = d
      let count = steps |> every(as: 1, class: 2)
      train {
        step step: minimize count wrt steps
      }
      """)
    guard case .input(let i) = p.declarations[0], case .binding(let c) = p.declarations[1],
      case .train(let t) = p.declarations[2], case .step(let s) = t.items[0]
    else { Issue.record("unexpected shape"); return }
    #expect(i.name.name == "steps")
    #expect(sexpr(c.value) == "every(steps, as: 1, class: 2)")
    #expect(s.name.name == "step" && s.loss.name == "count" && s.networks.map(\.name) == ["steps"])
  }

  @Test func integerValues() {
    #expect(parseExpression("60_000").map(sexpr) == "60000")
    #expect(parseExpression("9223372036854775807").map(sexpr) == "9223372036854775807")
  }
}
