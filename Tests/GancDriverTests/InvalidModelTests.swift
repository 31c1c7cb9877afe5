import Foundation
import GancDiagnostics
import Testing

@testable import GancDriver

/// The invalid models in models/invalid/: each is checked against its golden output
/// (`NAME.expected`: `exit N`, then the exact standard error of `ganc check`), with paths as
/// seen from the repository's root. With `GANC_RECORD=1` the golden files are written
/// instead, and each test fails to say so, so that a recording run is never taken for a pass.
@Suite("models/invalid: the rendered diagnostics of every code, against golden files")
struct InvalidModelTests {
  static let directory = repositoryRoot + "/models/invalid"

  /// The models' names without `.gan` (`E0101-forgotten-concat`), sorted.
  static let models: [String] = {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter { $0.hasSuffix(".gan") }.map { String($0.dropLast(4)) }.sorted()
  }()

  static var recording: Bool { ProcessInfo.processInfo.environment["GANC_RECORD"] == "1" }

  /// The code a model is named for: `E0101` for `E0101-forgotten-concat`.
  static func code(of name: String) -> String { String(name.prefix { $0 != "-" }) }

  /// What `ganc check models/invalid/NAME.gan` gives when run from the repository's root:
  /// `exit N`, then standard error. The model is checked by its absolute path, and the
  /// root's prefix is removed from the output, so the result does not depend on the
  /// working directory.
  static func output(_ name: String) -> String {
    let r = ganc("check", directory + "/" + name + ".gan")
    return "exit \(r.status)\n" + r.err.replacingOccurrences(of: repositoryRoot + "/", with: "")
  }

  /// The first line where two texts differ, for a readable failure.
  static func firstDifference(_ actual: String, _ expected: String) -> String {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, e.count) {
      let x = i < a.count ? String(a[i]) : "(end of output)"
      let y = i < e.count ? String(e[i]) : "(end of file)"
      if x != y { return "line \(i + 1):\n  expected: \(y)\n  actual:   \(x)" }
    }
    return "(no difference)"
  }

  @Test(arguments: models)
  func matchesItsGoldenFile(_ name: String) throws {
    let actual = Self.output(name)
    let golden = Self.directory + "/" + name + ".expected"
    if Self.recording {
      try actual.write(toFile: golden, atomically: true, encoding: .utf8)
      Issue.record(
        "recorded models/invalid/\(name).expected because GANC_RECORD=1; review it with `git diff`, then run the tests without GANC_RECORD"
      )
      return
    }
    guard let expected = try? String(contentsOfFile: golden, encoding: .utf8) else {
      Issue.record(
        "models/invalid/\(name).expected is missing; record it with `GANC_RECORD=1 swift test --filter InvalidModelTests`"
      )
      return
    }
    #expect(
      actual == expected,
      """
      models/invalid/\(name).gan: `ganc check` no longer prints its golden output; \
      if the change is intended, record again with GANC_RECORD=1.
      \(Self.firstDifference(actual, expected))

      actual output:
      \(actual)
      """)
  }

  @Test(arguments: models)
  func isReportedWithTheCodeItIsNamedFor(_ name: String) {
    let id = Self.code(of: name)
    let code = DiagnosticCode.named(id)
    #expect(code?.id == id, "\(name).gan is not named for a code: call it CODE-what.gan, e.g. E0101-dense-width.gan")
    #expect(name.count > id.count + 1, "\(name).gan: say what is wrong after the code")
    let out = Self.output(name)
    let header = code?.severity == .warning ? "warning[\(id)]" : "error[\(id)]"
    #expect(out.contains("\n" + header), "\(name).gan is not reported with \(id):\n\(out)")
    #expect(out.hasPrefix(code?.severity == .warning ? "exit 0\n" : "exit 1\n"), "\(name).gan:\n\(out)")
  }

  @Test func everyCodeHasAnInvalidModel() {
    #expect(!Self.models.isEmpty, "no models in \(Self.directory)")
    for code in DiagnosticCode.all {
      #expect(
        Self.models.contains { $0.hasPrefix(code.id + "-") },
        "no invalid model for \(code.id) (\(code.title)): add models/invalid/\(code.id)-what.gan and record it")
    }
  }

  @Test func everyGoldenFileHasItsModel() throws {
    let goldens = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter {
      $0.hasSuffix(".expected")
    }
    for g in goldens {
      #expect(Self.models.contains(String(g.dropLast(".expected".count))), "\(g) has no model")
    }
    if !Self.recording {
      #expect(goldens.count == Self.models.count)
    }
  }
}
