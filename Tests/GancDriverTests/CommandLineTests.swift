import Foundation
import GancDiagnostics
import Testing

@testable import GancDriver

@Suite("the command line: help, usage errors, check, ir")
struct CommandLineTests {
  static let commands = ["check", "train", "sample", "ir", "eval", "bench"]

  @Test(arguments: commands)
  func everyCommandHasHelp(_ command: String) {
    let r = ganc(command, "--help")
    #expect(r.status == 0)
    #expect(r.out.hasPrefix("usage: ganc \(command)"))
    #expect(r.out.contains("--help"))
  }

  @Test func topLevelHelpListsCommands() {
    let r = ganc("--help")
    #expect(r.status == 0)
    for c in Self.commands { #expect(r.out.contains("  \(c) ")) }
    #expect(ganc([]).status == 64)
  }

  @Test(arguments: [
    (["chek", "x.gan"], "did you mean `check`?"),
    (["train", "x.gan", "--step", "5"], "did you mean `--steps`?"),
    (["train", "x.gan", "--steps", "many"], "--steps takes a whole number"),
    (["train"], "missing the model file"),
    (["sample", "x.gan", "-n"], "-n needs a value"),
    (["train", "x.gan", "--resume", "--force"], "contradict"),
  ])
  func usageErrorsExit64(_ args: [String], _ message: String) {
    let r = ganc(args)
    #expect(r.status == 64)
    #expect(r.err.contains(message), "\(r.err)")
  }

  @Test func checkAcceptsTheShippedModels() throws {
    let models = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/models").filter {
      $0.hasSuffix(".gan")
    }
    #expect(models.count >= 4)
    for m in models {
      let r = ganc("check", repositoryRoot + "/models/" + m)
      #expect(r.status == 0, "\(m): \(r.err)")
      #expect(r.out.contains(": ok"))
    }
  }

  @Test func aDenseLayerFedTheWrongWidthIsRejectedWithItsPosition() {
    // The conditional discriminator whose concat was forgotten: `dense` expects 64 + K.
    let dir = ScratchDirectory()
    let text = tinyConditionalModel.replacingOccurrences(
      of: "concat(x, one_hot(y)) |> dense(16, in: 6 + K)", with: "x |> dense(16, in: 6 + K)")
    let path = dir.write("bad.gan", text)
    let r = ganc("check", path)
    #expect(r.status == 1)
    #expect(r.err.contains("error[E0101]: `dense` expects an input of width 9, but it gets width 6"))
    #expect(r.err.contains("--> \(path):16:8"))
    #expect(r.err.contains("^^^^^^^^^^^^^^^^^^"))
    #expect(r.err.contains("warning[W0002]: input `y` of network `D` is never used"))
  }

  @Test func missingFileIsAnError() {
    let r = ganc("check", "/nonexistent/model.gan")
    #expect(r.status == 1)
    #expect(r.err.contains("no such file"))
  }

  @Test func irShowsForwardBackwardAndUpdates() {
    let dir = ScratchDirectory()
    let path = dir.write("tiny.gan", tinyConditionalModel)
    let raw = ganc("ir", path, "--step", "d")
    #expect(raw.status == 0)
    #expect(raw.out.contains("step d: minimize d_loss wrt D"))
    #expect(raw.out.contains("stop_gradient"))
    #expect(raw.out.contains("update adam"))
    #expect(raw.out.contains("output \"grad D.dense_0.weight\""))
    #expect(!raw.out.contains("grad G."), "step d computes no gradient for G")
    let fused = ganc("ir", path, "--fused", "--memory")
    #expect(fused.status == 0)
    #expect(fused.out.contains("dense[relu]"))
    // Step g takes G's forward values from step d instead of recomputing them.
    let stepG = ganc("ir", path, "--fused", "--step", "g").out
    #expect(stepG.contains("input \"carry "))
    #expect(!stepG.contains("dense[relu]"))
    #expect(fused.out.contains("bce_logits+grad"))
    #expect(fused.out.contains("_grad+sum_rows"))
    #expect(!fused.out.contains("stop_gradient"))
    #expect(fused.out.contains("memory plans"))
  }
}

@Suite("diagnostic output: JSON and colour")
struct DiagnosticOutputTests {
  func badModel(_ dir: ScratchDirectory) -> String {
    dir.write(
      "bad.gan",
      tinyConditionalModel.replacingOccurrences(
        of: "concat(x, one_hot(y)) |> dense(16, in: 6 + K)", with: "x |> dense(16, in: 6 + K)"))
  }

  @Test func jsonIsOneObjectPerDiagnosticOnStandardOutput() throws {
    let dir = ScratchDirectory()
    let path = badModel(dir)
    let r = ganc("check", path, "--format", "json")
    #expect(r.status == 1)
    #expect(r.err.isEmpty)
    let lines = r.out.split(separator: "\n")
    #expect(lines.count == 2)
    let objects = try lines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    let error = try #require(objects.first { $0["code"] as? String == "E0101" })
    #expect(error["severity"] as? String == "error")
    #expect(error["file"] as? String == path)
    let primary = try #require(error["primary"] as? [String: Any])
    #expect(primary["line"] as? Int == 16)
    #expect(primary["column"] as? Int == 8)
    #expect((primary["end_offset"] as? Int ?? 0) > (primary["offset"] as? Int ?? 0))
    let secondary = try #require(error["secondary"] as? [[String: Any]])
    #expect(secondary.first?["label"] as? String == "`x` is declared [B, 6] here")
    #expect((error["notes"] as? [String])?.first == "K = 3 (declared at line 4)")
    #expect((error["help"] as? String)?.contains("in:") == true)
    let warning = try #require(objects.first { $0["code"] as? String == "W0002" })
    #expect(warning["severity"] as? String == "warning")
    #expect(warning["help"] is String)
  }

  @Test func jsonEscapesQuotesAndControlCharacters() {
    let d = JSONRenderer()
    #expect(d.quote("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
  }

  @Test func colourOnlyWhenAskedOrOnATerminal() {
    let dir = ScratchDirectory()
    let path = badModel(dir)
    #expect(ganc("check", path, "--color", "always").err.contains("\u{1B}["))
    #expect(!ganc("check", path, "--color", "never").err.contains("\u{1B}["))
    // A captured console is not a terminal, so `auto` means no colour.
    #expect(!ganc("check", path).err.contains("\u{1B}["))
    #expect(ganc("check", path, "--color", "sometimes").status == 64)
    #expect(ganc("check", path, "--format", "xml").status == 64)
  }
}
