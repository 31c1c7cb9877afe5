import GancDiagnostics
import GancRuntime
import GancSema

/// `ganc train FILE.gan`: compile and train, writing a run directory.
enum TrainCommand {
  static let command = Command(
    name: "train", summary: "compile a model and train it, writing samples, metrics and checkpoints",
    usage: "FILE.gan [--steps N] [--seed S] [--out DIR] [--resume]",
    details: """
      The run directory (default: runs/MODEL, or runs/MODEL-2, -3, ... if that exists) gets
        model.gan        a copy of the model as trained
        metrics.csv      each step's mean loss per logging interval, with the elapsed time
        checkpoint.ganc  the whole training state, written at `checkpoint every` and at the end
        samples.csv      final samples, one per row (class label last for conditional models)
        samples.png      the same as an image grid (`as image(h, w)`) or a scatter plot
        samples/         samples taken every `sample every N` iterations
      --resume continues the run in --out (or runs/MODEL) from its checkpoint.
      """,
    options: [
      OptionDefinition("--steps", value: "N", "train for N iterations in all (default: the model's `steps`)"),
      OptionDefinition("--seed", value: "S", "the random seed (default: the model's `seed`)"),
      OptionDefinition("--out", value: "DIR", "the run directory"),
      OptionDefinition("--resume", "continue the run in the run directory from its checkpoint"),
      OptionDefinition("--force", "start over in --out even if it holds a run"),
      OptionDefinition("--threads", value: "N", "OpenBLAS threads (default: all cores)"),
      OptionDefinition("--quiet", "print only the final summary"),
    ],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 1 else {
      throw UsageError(args.positionals.isEmpty ? "missing the model file" : "expected one model file")
    }
    let steps = try args.integer("--steps", in: 0...Int.max)
    let seedArg = try args.integer("--seed", in: 0...Int.max)
    let threads = try args.integer("--threads", in: 1...256)
    if args.has("--resume") && args.has("--force") { throw UsageError("--resume and --force contradict each other") }
    let path = args.positionals[0]
    guard let (checked, model) = try Frontend.loadReporting(path, console: console) else { return ExitStatus.failure }
    if let threads { Kernels.setThreadCount(threads) }

    let seed = seedArg.map(UInt64.init) ?? model.schedule.seed
    let session: TrainingSession
    do {
      session = try TrainingSession(model: model, directory: checked.directory, seed: seed)
    } catch .data(let e) {
      var bag = DiagnosticBag()
      bag.append(e.diagnostic)
      Frontend.report(bag, in: checked.file, console: console)
      return ExitStatus.failure
    } catch .driver(let e) {
      throw e
    }

    let out = try RunDirectory.choose(
      explicit: args.value("--out"), model: model.name, resume: args.has("--resume"), force: args.has("--force"))
    var metrics = MetricsLog(columns: session.columns)
    if args.has("--resume") {
      let c = try Checkpoint.decode(try FileIO.readBytes(out.checkpoint), path: out.checkpoint)
      try session.restore(c)
      metrics.load(from: out.metrics, upTo: c.header.iteration)
      if !args.has("--quiet") {
        console.printError("resuming \(out.path) at iteration \(c.header.iteration)")
      }
    }
    try FileIO.createDirectory(out.path)
    try FileIO.write(checked.file.text, to: FileIO.join(out.path, "model.gan"))

    let total = steps ?? session.scheduledIterations
    var trainer = TrainingLoop(
      session: session, out: out, total: total, console: console, quiet: args.has("--quiet"), metrics: metrics)
    return try trainer.run(modelPath: path)
  }
}
