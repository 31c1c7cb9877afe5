import Foundation
import GancDiagnostics
import Testing

@testable import GancDriver

/// `ganc explain`: every code has a page, and every page's models say what the page says,
/// checked by `ganc check` the way a reader would check them.
@Suite("ganc explain: a page for every code, whose examples are checked")
struct ExplainTests {
  static let codes = DiagnosticCode.all.map(\.id)

  /// The error and warning headers of `ganc check`'s output: `E0101`, `W0002`, ...
  static func reportedCodes(_ stderr: String) -> [String] {
    stderr.split(separator: "\n").compactMap { line in
      for severity in ["error[", "warning["] where line.hasPrefix(severity) {
        return line.dropFirst(severity.count).split(separator: "]").first.map(String.init)
      }
      return nil
    }
  }

  /// Checks `model` as a file with the page's data files beside it.
  static func check(_ model: String, files: [ExampleFile]) -> (status: Int32, out: String, err: String) {
    let dir = ScratchDirectory()
    for f in files { dir.write(f.path, f.contents) }
    return ganc("check", dir.write("model.gan", model))
  }

  @Test func everyCodeHasOnePageInOrder() {
    #expect(Explanation.all.map(\.code.id) == Self.codes)
    for code in DiagnosticCode.all {
      #expect(Explanation.page(for: code) != nil, "no page for \(code.id)")
    }
    #expect(Explanation.named("e0101")?.code == .layerInputWidth)
  }

  @Test(arguments: codes)
  func theWrongModelIsReportedWithItsCode(_ id: String) throws {
    let page = try #require(Explanation.named(id))
    let r = Self.check(page.wrong, files: page.files)
    let reported = Self.reportedCodes(r.err)
    #expect(reported.contains(id), "\(id): the wrong model is not reported with its code:\n\(r.err)")
    let errors = reported.filter { $0.hasPrefix("E") }
    if page.code.severity == .error {
      #expect(r.status == 1)
      // The example shows one mistake: every error it gets is the page's.
      #expect(errors.allSatisfy { $0 == id }, "\(id): the wrong model has other errors too:\n\(r.err)")
    } else {
      #expect(r.status == 0, "\(id): a warning's example must have no errors:\n\(r.err)")
      #expect(errors.isEmpty)
    }
  }

  @Test(arguments: codes)
  func theFixedModelIsClean(_ id: String) throws {
    let page = try #require(Explanation.named(id))
    let r = Self.check(page.fixed, files: page.files)
    #expect(r.status == 0, "\(id): the fixed model has errors:\n\(r.err)")
    #expect(r.out.contains(": ok"))
    let reported = Self.reportedCodes(r.err)
    #expect(!reported.contains(id), "\(id): the fixed model still has the page's diagnostic:\n\(r.err)")
    #expect(reported.allSatisfy { $0.hasPrefix("W") })
    #expect(page.wrong != page.fixed)
  }

  @Test func aPageShowsTheModelsAndWhatCheckSays() {
    let r = ganc("explain", "e0101")
    #expect(r.status == 0)
    #expect(r.err.isEmpty)
    #expect(r.out.hasPrefix("E0101: a layer fed an input of the wrong width\n"))
    #expect(r.out.contains("forgotten `concat`"))
    #expect(r.out.contains("    x |> dense(16, in: 2 + K) |> relu |> dense(1)\n"))
    #expect(r.out.contains("    error[E0101]: `dense` expects an input of width 5, but it gets width 2\n"))
    #expect(r.out.contains("      --> wrong.gan:16:8\n"))
    #expect(r.out.contains("To fix it, join the one-hot label"))
    #expect(r.out.contains("    concat(x, one_hot(y)) |> dense(16, in: 2 + K) |> relu |> dense(1)\n"))
    #expect(r.out.contains("    0.1,0.2,0\n"))
    // Paths in the report are the model's own, not the scratch directory's.
    #expect(!r.out.contains("ganc-explain-"))
  }

  @Test func aDataFileErrorShowsTheRelativePath() {
    let r = ganc("explain", "E0502")
    #expect(r.status == 0)
    #expect(r.out.contains("    error[E0502]: cannot read data set `points`: "))
    #expect(r.out.contains("data/points.csv"))
    #expect(!r.out.contains("ganc-explain-"))
  }

  @Test func withoutACodeItListsEveryCode() {
    let r = ganc("explain")
    #expect(r.status == 0)
    for code in DiagnosticCode.all {
      #expect(r.out.contains("  \(code.id)  \(code.title)\n"), "\(code.id) missing from the list")
    }
    #expect(r.out.contains("\nshapes:\n"))
    #expect(r.out.contains("\nwarnings:\n"))
  }

  @Test(arguments: [
    (["explain", "E101"], "there is no code `E101`; did you mean `E0101`?"),
    (["explain", "101"], "did you mean `E0101`?"),
    (["explain", "w1"], "did you mean `W0001`?"),
    (["explain", "E0110x"], "did you mean `E0110`?"),
    (["explain", "banana"], "there is no code `banana`; `ganc explain` lists the codes"),
    (["explain", "E0101", "E0102"], "expected one code"),
  ])
  func unknownCodesAreUsageErrors(_ args: [String], _ message: String) {
    let r = ganc(args)
    #expect(r.status == 64)
    #expect(r.err.contains(message), "\(r.err)")
    #expect(r.err.contains("usage: ganc explain [CODE]"))
  }

  @Test func helpAndTheCommandList() {
    let r = ganc("explain", "--help")
    #expect(r.status == 0)
    #expect(r.out.hasPrefix("usage: ganc explain [CODE]"))
    #expect(r.out.contains("--help"))
    #expect(ganc("--help").out.contains("  explain "))
  }
}
