import Foundation
import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// The example models, and the grammar's list of built-ins.
@Suite struct ModelsTests {
  @Test func everyModelChecksWithoutErrors() throws {
    let models = try modelFiles()
    #expect(models.count >= 4, "expected the example models in models/")
    for url in models {
      let text = try String(contentsOf: url, encoding: .utf8)
      let file = SourceFile(path: url.lastPathComponent, text: text)
      let (program, syntax) = Parser.parse(file)
      #expect(syntax.isEmpty, "\(url.lastPathComponent):\n\(describe(syntax, in: file))")
      let (model, diagnostics) = Checker.check(program, file: file)
      let errors = diagnostics.filter { $0.severity == .error }
      #expect(errors.isEmpty, "\(url.lastPathComponent):\n\(describe(errors, in: file))")
      let m = try #require(model, "\(url.lastPathComponent) gave no model")
      // Every network is trained by some step, and every step's loss is a scalar.
      let trained = Set(m.schedule.steps.flatMap(\.nets))
      #expect(Set(m.nets.map(\.name)) == trained, "\(url.lastPathComponent)")
      #expect(m.losses.allSatisfy { $0.value.type.isScalar })
    }
  }

  @Test func theConditionalDigitsModel() throws {
    let url = repositoryRoot.appendingPathComponent("models/digits_cgan.gan")
    let file = SourceFile(path: "digits_cgan.gan", text: try String(contentsOf: url, encoding: .utf8))
    let (model, _) = Checker.check(Parser.parse(file).0, file: file)
    let m = try #require(model)
    let g = try #require(m.net(named: "G"))
    #expect(g.inputs.map { "\($0.name): \($0.type)" } == ["z: [B, Z]", "y: [B] class(K)"])
    #expect(g.parameters.first?.shape == [42, 128])
    let d = try #require(m.net(named: "D"))
    #expect(d.output.description == "[B, 1]")
    #expect(m.schedule.phases.map(\.iterations) == [6000] && m.schedule.seed == 7 && m.schedule.logInterval == 500)
    #expect(m.schedule.sample?.view == .image(height: 8, width: 8, low: -1, high: 1))
    #expect(m.schedule.steps.map(\.optimizer.learningRate) == [2e-4, 2e-4])
  }

  /// grammar/ganc.ebnf lists the built-ins in a comment; every one of them must be there.
  @Test func grammarListsEveryBuiltin() throws {
    let grammar = try String(contentsOf: repositoryRoot.appendingPathComponent("grammar/ganc.ebnf"), encoding: .utf8)
    for name in BuiltinSignature.all.keys.sorted() {
      #expect(grammar.contains("\(name)("), "built-in `\(name)` is not listed in grammar/ganc.ebnf")
    }
  }
}
