import GancDiagnostics
import GancSema
import GancSource
import GancSyntax

#if canImport(Glibc)
  import Glibc
#endif

/// A model file read, parsed and checked.
struct CheckedFile {
  var file: SourceFile
  var model: Model?
  var diagnostics: DiagnosticBag
  /// The directory holding the model file: data paths in the model are relative to it.
  var directory: String
}

enum Frontend {
  /// Reads, parses and checks `path`.
  static func load(_ path: String) throws(DriverError) -> CheckedFile {
    let text = try FileIO.readText(path)
    let file = SourceFile(path: path, text: text)
    var bag = DiagnosticBag()
    let (program, syntaxDiagnostics) = Parser.parse(file)
    bag.append(contentsOf: syntaxDiagnostics)
    var model: Model?
    if !bag.hasErrors {
      let (m, semaDiagnostics) = Checker.check(program, file: file)
      bag.append(contentsOf: semaDiagnostics)
      model = m
    }
    return CheckedFile(file: file, model: model, diagnostics: bag, directory: FileIO.directory(of: path))
  }

  /// Loads and prints diagnostics; returns the model, or nil when there were errors.
  static func loadReporting(_ path: String, console: Console, quietWarnings: Bool = false) throws(DriverError) -> (
    CheckedFile, Model
  )? {
    let checked = try load(path)
    if checked.diagnostics.hasErrors || (!quietWarnings && !checked.diagnostics.diagnostics.isEmpty) {
      report(checked.diagnostics, in: checked.file, console: console)
    }
    guard let model = checked.model else { return nil }
    return (checked, model)
  }

  /// Prints diagnostics as the console asks: rustc-style text on standard error, or JSON
  /// lines on standard output.
  static func report(_ bag: DiagnosticBag, in file: SourceFile, console: Console) {
    switch console.diagnosticFormat {
    case .text: console.write(DiagnosticRenderer(colors: console.colors).render(bag, in: file), to: .error)
    case .json: console.write(JSONRenderer().render(bag, in: file))
    }
  }
}
