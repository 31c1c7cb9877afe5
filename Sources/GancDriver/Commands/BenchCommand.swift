import GancRuntime

/// `ganc bench FILE.gan`: training iterations per second, without any file output.
enum BenchCommand {
  static let command = Command(
    name: "bench", summary: "measure training speed (iterations per second) of a model",
    usage: "FILE.gan [--seconds S] [--threads N]",
    details: """
      Compiles the model, runs 20 warm-up iterations, then as many as fit in the time given
      and prints iterations per second. An iteration is one pass over the training steps
      (each repeated as written), with fresh data and noise, as in `ganc train`.
      """,
    options: [
      OptionDefinition("--seconds", value: "S", "how long to measure (default 3)"),
      OptionDefinition("--threads", value: "N", "OpenBLAS threads (default: all cores)"),
    ],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 1 else {
      throw UsageError(args.positionals.isEmpty ? "missing the model file" : "expected one model file")
    }
    let seconds = try args.integer("--seconds", in: 1...3600) ?? 3
    let threads = try args.integer("--threads", in: 1...256)
    guard let (checked, model) = try Frontend.loadReporting(args.positionals[0], console: console, quietWarnings: true)
    else {
      return ExitStatus.failure
    }
    if let threads { GancRuntimeThreads.set(threads) }
    let session: TrainingSession
    do {
      session = try TrainingSession(model: model, directory: checked.directory, seed: model.schedule.seed)
    } catch .data(let e) {
      throw DriverError(e.diagnostic.message)
    } catch .driver(let e) {
      throw e
    }
    for _ in 0..<20 { session.iterate() }
    let clock = ContinuousClock()
    let start = clock.now
    let limit = Duration.seconds(seconds)
    var n = 0
    while clock.now - start < limit {
      session.iterate()
      n += 1
    }
    let d = clock.now - start
    let t = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    console.print(
      "\(model.name): \(format(Double(n) / t, 1)) it/s (\(format(1000 * t / Double(n), 3)) ms/iteration, batch \(model.batchSize), \(n) iterations)"
    )
    return ExitStatus.success
  }
}

enum GancRuntimeThreads {
  static func set(_ n: Int) { Kernels.setThreadCount(n) }
}
