import Foundation
import GancDiagnostics

/// `ganc explain [CODE]`: the page of a diagnostic code, or the list of every code.
enum ExplainCommand {
  static let command = Command(
    name: "explain", summary: "explain an error or warning code, with a wrong and a fixed model", usage: "[CODE]",
    details: """
      Prints what the code means and what usually causes it, a small model with the mistake and
      what `ganc check` says about it, then the model fixed. Codes are case-insensitive (`e0101`).
      Without a code, lists every code with its title.
      """,
    options: [],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count <= 1 else { throw UsageError("expected one code, such as `E0101`") }
    guard let id = args.positionals.first else {
      console.write(list())
      return ExitStatus.success
    }
    guard let code = DiagnosticCode.named(id) else {
      let hint = suggestion(for: id).map { "; did you mean `\($0)`?" } ?? "; `ganc explain` lists the codes"
      throw UsageError("there is no code `\(id)`\(hint)")
    }
    console.write(page(for: code))
    return ExitStatus.success
  }

  /// The code ranges, as `DiagnosticCode` documents them.
  static let groups: [(prefix: String, name: String)] = [
    ("E00", "lexing and syntax"), ("E01", "shapes"), ("E02", "names"), ("E03", "gradient wiring and schedule"),
    ("E04", "options and values"), ("E05", "data"), ("W", "warnings"),
  ]

  /// Every code with its title, by range.
  static func list() -> String {
    var s = "Run `ganc explain CODE` for a code's page.\n"
    var listed: Set<String> = []
    for (prefix, name) in groups + [("", "other")] {
      let codes = DiagnosticCode.all.filter { $0.id.hasPrefix(prefix) && !listed.contains($0.id) }
      guard !codes.isEmpty else { continue }
      s += "\n\(name):\n"
      for c in codes {
        s += "  \(c.id)  \(c.title)\n"
        listed.insert(c.id)
      }
    }
    return s
  }

  /// The code meant by a spelling that is not one: `E101` or `101` for `E0101`, `w1` for
  /// `W0001`, or the code one slip away.
  static func suggestion(for id: String) -> String? {
    let ids = DiagnosticCode.all.map(\.id)
    let upper = id.uppercased()
    let letter = upper.first.flatMap { $0 == "E" || $0 == "W" ? String($0) : nil }
    let digits = letter == nil ? Substring(upper) : upper.dropFirst()
    if !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ ("0"..."9").contains($0) }) {
      let padded = String(repeating: "0", count: 4 - digits.count) + digits
      if let id = (letter.map { [$0] } ?? ["E", "W"]).map({ $0 + padded }).first(where: ids.contains) {
        return id
      }
    }
    return Suggestions.closest(to: upper, among: ids)
  }

  /// The page: title, meaning, the wrong model with what `ganc check` says, the fixed model.
  static func page(for code: DiagnosticCode) -> String {
    var s = "\(code.id): \(code.title)\n"
    guard let e = Explanation.page(for: code) else {
      return s + "\nThere is no page for this code yet.\n"
    }
    s += "\n\(e.summary.trimmingCharacters(in: .newlines))\n"
    s += "\nThis model has the mistake:\n\n\(indent(e.wrong))"
    if let report = checkReport(e.wrong, files: e.files) {
      s += "\n`ganc check wrong.gan` says:\n\n\(indent(report))"
    }
    s += "\nTo fix it, \(e.fix.prefix(1).lowercased() + e.fix.dropFirst())\n\n\(indent(e.fixed))"
    for f in e.files {
      s += "\nThe models read `\(f.path)`, next to them:\n\n\(indent(f.contents))"
    }
    return s
  }

  /// Each line indented by four spaces (blank lines left empty), ending with one newline.
  static func indent(_ text: String) -> String {
    text.trimmingCharacters(in: .newlines).split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "\n"
  }

  /// What `ganc check` prints on standard error for `model` saved as `wrong.gan` with
  /// `files` beside it, paths shown relative to the model's directory; nil when the
  /// scratch files cannot be written.
  static func checkReport(_ model: String, files: [ExampleFile]) -> String? {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("ganc-explain-\(UUID().uuidString)").path
    defer { try? fm.removeItem(atPath: dir) }
    let modelPath = FileIO.join(dir, "wrong.gan")
    do {
      for f in files + [ExampleFile("wrong.gan", model)] {
        let path = FileIO.join(dir, f.path)
        try fm.createDirectory(atPath: FileIO.directory(of: path), withIntermediateDirectories: true)
        try f.contents.write(toFile: path, atomically: true, encoding: .utf8)
      }
    } catch {
      return nil
    }
    let console = Console.captured()
    _ = Driver.run(["check", modelPath], console: console)
    return console.capturedError.replacingOccurrences(of: dir + "/", with: "")
  }
}
