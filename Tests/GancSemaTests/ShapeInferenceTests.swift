import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// Shape inference, as tables: the type the checker gives an expression.
@Suite struct ShapeInferenceTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var expression: String
    var type: String
    var testDescription: String { "\(expression) : \(type)" }
    init(_ expression: String, _ type: String) {
      self.expression = expression
      self.type = type
    }
  }

  /// Expressions in a network body with inputs `x: [B, P]`, `y: [B] class(K)`, `z: [B, Z]`.
  /// The network is declared to return the expected type, so a wrong value would also be
  /// an E0104; the test compares the inferred type as written (`[B, Z + K]`, not `[64, 42]`).
  static let inNetwork: [Case] = [
    // dense over the last axis
    .init("x |> dense(128)", "[B, 128]"),
    .init("z |> dense(P)", "[B, P]"),
    .init("x |> dense(units: 16, bias: false)", "[B, 16]"),
    .init("dense(x, 2 * K)", "[B, 2 * K]"),
    .init("reshape(x, B, 8, 8) |> dense(3)", "[B, 8, 3]"),
    // activations keep the shape
    .init("x |> relu", "[B, P]"),
    .init("x |> leaky_relu", "[B, P]"),
    .init("x |> leaky_relu(slope: 0.01)", "[B, P]"),
    .init("x |> tanh", "[B, P]"),
    .init("z |> sigmoid", "[B, Z]"),
    .init("detach(x)", "[B, P]"),
    // concat adds the last dimensions, keeping how they were written
    .init("concat(z, one_hot(y))", "[B, Z + K]"),
    .init("concat(reshape(x, B, 64), one_hot(y))", "[B, 64 + K]"),
    .init("concat(x, z, one_hot(y))", "[B, P + Z + K]"),
    .init("concat(z, one_hot(y)) |> dense(128, in: Z + K)", "[B, 128]"),
    .init("concat(z, z) |> dense(8, in: 2 * Z)", "[B, 8]"),
    .init("concat(z, z) |> dense(8, in: 64)", "[B, 8]"),
    // labels to rows
    .init("one_hot(y)", "[B, K]"),
    .init("y |> one_hot", "[B, K]"),
    .init("one_hot(y, classes: K)", "[B, K]"),
    .init("one_hot(y, classes: 10)", "[B, K]"),
    // reshape and squeeze
    .init("reshape(x, B / 2, 2 * P)", "[B / 2, 2 * P]"),
    .init("reshape(x, B, 8, 8)", "[B, 8, 8]"),
    .init("reshape(x, shape: B * P)", "[B * P]"),
    .init("x |> dense(1) |> squeeze", "[B]"),
    .init("reshape(x, B, 1, P) |> squeeze(axis: 1)", "[B, P]"),
    // slices keep symbolic sizes where they can; an index drops its axis
    .init("x[:, 1:]", "[B, P - 1]"),
    .init("x[:, :-2]", "[B, P - 2]"),
    .init("x[:, 8:16]", "[B, 8]"),
    .init("x[:, :]", "[B, P]"),
    .init("reshape(x, B, 8, 8)[:, 1:, :]", "[B, 7, 8]"),
    .init("reshape(x, B, 8, 8)[:, 0, :]", "[B, 8]"),
    .init("reshape(x, B, 8, 8)[:, -1]", "[B, 8]"),
    // reductions over an axis, by index or by the dimension's name
    .init("mean(reshape(x, B, 8, 8), axis: 1)", "[B, 8]"),
    .init("sum(x, axis: -1) |> reshape(B, 1)", "[B, 1]"),
    .init("std(reshape(x, B, 8, 8), axis: 2)", "[B, 8]"),
    // pooling halves the spatial axes
    .init("reshape(x, B, 8, 8, 1) |> max_pool |> flatten", "[B, 16]"),
    .init("reshape(x, B, 8, 8, 1) |> avg_pool(4) |> flatten", "[B, 4]"),
    // elementwise math keeps the shape
    .init("sqrt(abs(x) + 1e-6)", "[B, P]"),
    .init("exp(log(square(x) + 1))", "[B, P]"),
    // concat along another axis
    .init("concat(reshape(x, B, 8, 8), reshape(x, B, 8, 8), axis: 1) |> reshape(B, 2 * P)", "[B, 2 * P]"),
    // arithmetic with scalars and equal shapes
    .init("x * 2 + 1", "[B, P]"),
    .init("2 * x", "[B, P]"),
    .init("x / 2 - 0.5", "[B, P]"),
    .init("-x", "[B, P]"),
    .init("x * x - x", "[B, P]"),
    .init("x + K", "[B, P]"),
    // network calls
    .init("G(z, y)", "[B, P]"),
    .init("D(G(z, y), y)", "[B, 1]"),
    .init("G(z, y) |> D(y)", "[B, 1]"),
    // body lets
    .init("let h = x |> dense(16)\n  let g = h |> relu\n  g + h", "[B, 16]"),
  ]

  @Test(arguments: inNetwork)
  func typeInANetwork(_ c: Case) throws {
    let text = Fixture.model(
      extra: """
        net N(x: [B, P], y: [B] class(K), z: [B, Z]) -> \(c.type) {
          \(c.expression)
        }
        """)
    let (model, diagnostics, file) = check(text)
    let errors = diagnostics.filter { $0.severity == .error }
    #expect(errors.isEmpty, "\(describe(errors, in: file))")
    let body = try #require(model?.net(named: "N")?.body)
    #expect(body.type.description == c.type)
  }

  /// Top-level values (losses, network calls, arithmetic) in the fixture.
  static let topLevel: [Case] = [
    .init("bce_logits(D(x, y), 1)", "[]"),
    .init("bce(sigmoid(D(x, y)), 0)", "[]"),
    .init("mse(G(z, yf), x)", "[]"),
    .init("l1(G(z, yf), x)", "[]"),
    .init("mse(squeeze(D(x, y)), 1)", "[]"),
    .init("mean(x)", "[]"),
    .init("sum(G(z, yf))", "[]"),
    .init("bce_logits(D(x, y), 1) + 0.5 * mse(G(z, yf), x)", "[]"),
    .init("-mean(D(x, y))", "[]"),
    .init("2 * K", "[]"),
    .init("G(z, yf)", "[B, P]"),
    .init("D(x, y)", "[B, 1]"),
    .init("D(G(z, yf), yf)", "[B, 1]"),
    .init("squeeze(D(x, y))", "[B]"),
    .init("x * 0.5 + G(z, yf)", "[B, P]"),
    .init("one_hot(y)", "[B, K]"),
    .init("concat(x, G(z, yf))", "[B, P + P]"),
    .init("fake", "[B, P]"),
    .init("reshape(fake, B / 2, 2 * P)", "[B / 2, 2 * P]"),
    // batch statistics (TimeGAN's moment losses)
    .init("mean(x, over: B)", "[P]"),
    .init("std(G(z, yf), over: B)", "[P]"),
    .init("mean(abs(sqrt(variance(G(z, yf), over: B) + 1e-6) - sqrt(variance(x, over: B) + 1e-6)))", "[]"),
    .init("mse(x[:, 1:], G(z, yf)[:, :-1])", "[]"),
  ]

  @Test(arguments: topLevel)
  func typeAtTopLevel(_ c: Case) throws {
    let text = Fixture.model(extra: "let v = \(c.expression)")
    let (model, diagnostics, file) = check(text)
    let errors = diagnostics.filter { $0.severity == .error }
    #expect(errors.isEmpty, "\(describe(errors, in: file))")
    let v = try #require(model?.bindings["v"])
    #expect(v.type.description == c.type)
  }

  @Test func typesExplainTheirValues() throws {
    let (model, _, _) = check(Fixture.model(extra: "let v = concat(z, one_hot(yf))\nlet w = concat(x, x)"))
    let v = try #require(model?.bindings["v"])
    #expect(v.type.explained == "[B, Z + K] = [64, 42]")
    #expect(v.type.shape.map(\.value) == [64, 42])
    #expect(try #require(model?.bindings["w"]).type.explained == "[B, P + P] = [64, 128]")
  }

  @Test func scalarArithmeticFolds() throws {
    let (model, _, _) = check(Fixture.model(extra: "let v = 2 * K + 1\nlet w = -(3 - 5)"))
    guard case .constant(let v) = try #require(model?.bindings["v"]).kind,
      case .constant(let w) = try #require(model?.bindings["w"]).kind
    else { Issue.record("expected constants"); return }
    #expect(v == 21 && w == 2)
  }

  @Test func labelsKeepTheirClassCount() throws {
    let (model, _, _) = check(Fixture.model(extra: "let v = reshape(y, B / 2, 2)\nlet w = detach(yf)"))
    let v = try #require(model?.bindings["v"])
    #expect(v.type.description == "[B / 2, 2] class(K)")
    #expect(try #require(model?.bindings["w"]).type.description == "[B] class(K)")
  }

  /// Each `dense` is a parameterised layer of the network that writes it.
  @Test func denseLayersOwnParameters() throws {
    let (model, _, _) = check(Fixture.model())
    let g = try #require(model?.net(named: "G"))
    #expect(g.parameters.map(\.name) == ["G.dense_0.weight", "G.dense_0.bias", "G.dense_1.weight", "G.dense_1.bias"])
    #expect(g.parameters.map(\.shape) == [[42, 128], [128], [128, 64], [64]])
    #expect(g.inputs.map(\.name) == ["z", "y"])
    #expect(g.output.description == "[B, P]")
    let (m2, _, _) = check(
      Fixture.model(
        g: """
          net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
            concat(z, one_hot(y)) |> dense(P, bias: false)
          }
          """))
    #expect(try #require(m2?.net(named: "G")).parameters.map(\.name) == ["G.dense_0.weight"])
  }

  @Test func theFixtureChecksCleanly() throws {
    let (model, diagnostics, file) = check(Fixture.model())
    #expect(diagnostics.isEmpty, "\(describe(diagnostics, in: file))")
    let m = try #require(model)
    #expect(m.batchDimension == "B" && m.batchSize == 64)
    #expect(m.nets.map(\.name) == ["G", "D"])
    #expect(m.schedule.steps.map(\.name) == ["d", "g"])
    #expect(m.schedule.steps.map(\.nets) == [["D"], ["G"]])
    #expect(m.losses.map(\.name) == ["d_loss", "g_loss"])
    #expect(m.losses.allSatisfy { $0.value.type.isScalar })
  }
}
