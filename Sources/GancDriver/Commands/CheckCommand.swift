import GancDiagnostics
import GancSema

/// `ganc check FILE.gan`: parse and check, print every diagnostic.
enum CheckCommand {
  static let command = Command(
    name: "check", summary: "parse and type-check a model, printing every error", usage: "FILE.gan [--shapes]",
    details: """
      Checks the model's shapes and wiring, and that its data files exist and fit its inputs.
      Exits 0 when the model is well formed (warnings are printed but allowed), 1 when it has errors.
      """,
    options: [
      OptionDefinition("--shapes", "print each network's layers with their output shapes and parameter counts")
    ],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 1 else {
      throw UsageError(args.positionals.isEmpty ? "missing the model file" : "expected one model file")
    }
    let path = args.positionals[0]
    guard let (checked, model) = try Frontend.loadReporting(path, console: console) else {
      return ExitStatus.failure
    }
    // The data must fit too: a missing file or a label out of range is reported now,
    // not after compiling.
    do {
      _ = try LoadedData(model: model, directory: checked.directory, seed: model.schedule.seed)
    } catch {
      var bag = DiagnosticBag()
      bag.append(error.diagnostic)
      Frontend.report(bag, in: checked.file, console: console)
      return ExitStatus.failure
    }
    if args.has("--shapes") { console.write(ShapeTable.render(model)) }
    let paramCount = model.nets.reduce(0) { $0 + ShapeTable.parameterCount($1.parameters) }
    let w = checked.diagnostics.warningCount
    // In JSON mode standard output carries only diagnostics.
    console.write(
      "\(path): ok — model `\(model.name)`, \(model.nets.count) network\(model.nets.count == 1 ? "" : "s"), "
        + "\(paramCount) parameters, \(model.schedule.steps.count) step\(model.schedule.steps.count == 1 ? "" : "s")"
        + (w > 0 ? ", \(w) warning\(w == 1 ? "" : "s")" : "") + "\n",
      to: console.diagnosticFormat == .json ? .error : .output)
    return ExitStatus.success
  }
}
