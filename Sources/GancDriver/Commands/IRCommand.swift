import GancIR
import GancRuntime

/// `ganc ir FILE.gan`: the graph IR of every training step.
enum IRCommand {
  static let command = Command(
    name: "ir", summary: "print the graph IR of each training step (forward, backward, update)",
    usage: "FILE.gan [--fused] [--step NAME] [--memory]",
    details: """
      Without --fused, the graphs are shown as differentiation leaves them; with --fused, after
      the pass pipeline (stop-gradient removal, CSE, simplification, dead code, fusion), which
      is what `ganc train` runs.
      """,
    options: [
      OptionDefinition("--fused", "show the graphs after the optimisation passes"),
      OptionDefinition("--step", value: "NAME", "show only this step"),
      OptionDefinition("--memory", "also show each graph's static memory plan"),
    ],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 1 else {
      throw UsageError(args.positionals.isEmpty ? "missing the model file" : "expected one model file")
    }
    guard let (_, model) = try Frontend.loadReporting(args.positionals[0], console: console, quietWarnings: true) else {
      return ExitStatus.failure
    }
    var module = try Compilation.compile(model, optimize: args.has("--fused"))
    if let only = args.value("--step") {
      guard module.steps.contains(where: { $0.name == only }) else {
        throw UsageError(
          "the model has no step `\(only)`; its steps are \(module.steps.map { "`\($0.name)`" }.joined(separator: ", "))"
        )
      }
      module.steps = module.steps.filter { $0.name == only }
      module.sample = nil
    }
    var text = Printer.print(module)
    if args.has("--memory") {
      text += "\nmemory plans (floats; 1 float = 4 bytes):\n"
      func report(_ name: String, _ g: Graph, pinned: Set<String>) {
        let plan = MemoryPlan(graph: g, pinned: pinned)
        text += "  \(name): workspace \(plan.workspaceSize) (without reuse \(plan.unplannedSize)), "
        text += "constants \(plan.constantsSize), \(plan.inPlaceCount) ops in place\n"
      }
      for s in module.steps {
        report("step \(s.name)", s.graph, pinned: Set(s.parameters.map(TrainingStep.gradientOutput)))
      }
      if let g = module.sample { report("sample", g, pinned: []) }
    }
    console.write(text)
    return ExitStatus.success
  }
}
