import GancData

/// `ganc sample FILE.gan --checkpoint CKPT -n N`: samples from a trained model.
enum SampleCommand {
  static let command = Command(
    name: "sample", summary: "generate samples from a trained model's checkpoint",
    usage: "FILE.gan [--checkpoint CKPT] [-n N] [--out FILE.csv] [--seed S]",
    details: """
      Evaluates the model's `sample` expression with the checkpoint's parameters. Each sample
      is one CSV row, its values flattened; for a conditional model the class it was
      generated for is the last column, and classes are spread evenly over the rows. With
      --out, a picture (an image grid or a scatter plot, as the model's `sample ... as` says)
      is written beside the CSV; without it, the CSV goes to standard output.
      """,
    options: [
      OptionDefinition("--checkpoint", value: "CKPT", "the checkpoint (default: runs/MODEL/checkpoint.ganc)"),
      OptionDefinition("-n", value: "N", "how many samples (default: the model's `sample count`)"),
      OptionDefinition("--out", value: "FILE.csv", "where to write (default: standard output)"),
      OptionDefinition("--seed", value: "S", "the noise seed (default: the model's `seed`)"),
    ],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 1 else {
      throw UsageError(args.positionals.isEmpty ? "missing the model file" : "expected one model file")
    }
    let count = try args.integer("-n", in: 1...10_000_000)
    let seedArg = try args.integer("--seed", in: 0...Int.max)
    guard let (checked, model) = try Frontend.loadReporting(args.positionals[0], console: console, quietWarnings: true)
    else {
      return ExitStatus.failure
    }
    guard let spec = model.schedule.sample else {
      throw DriverError(
        "`\(args.positionals[0])` has no `sample` line in its training block, so there is nothing to sample")
    }
    let checkpointPath = args.value("--checkpoint") ?? FileIO.join(FileIO.join("runs", model.name), "checkpoint.ganc")
    let checkpoint = try Checkpoint.decode(try FileIO.readBytes(checkpointPath), path: checkpointPath)
    let seed = seedArg.map(UInt64.init) ?? model.schedule.seed
    let session: TrainingSession
    do {
      session = try TrainingSession(model: model, directory: checked.directory, seed: seed)
    } catch .data(let e) {
      throw DriverError(e.diagnostic.message)
    } catch .driver(let e) {
      throw e
    }
    try session.restore(checkpoint, parametersOnly: true)
    let sampler = try session.makeSampler()
    let n = count ?? spec.count
    if let out = args.value("--out") {
      let base = out.hasSuffix(".csv") ? String(out.dropLast(4)) : out
      try sampler.write(count: n, to: base)
      console.printError("wrote \(n) samples to \(base).csv")
    } else {
      let (values, labels) = sampler.generate(count: n)
      let w = sampler.width
      var rows: [[Float]] = []
      for i in 0..<n {
        var row = Array(values[i * w..<(i + 1) * w])
        if let labels { row.append(Float(labels[i])) }
        rows.append(row)
      }
      console.write(try CSVWriter.text(rows: rows))
    }
    return ExitStatus.success
  }
}
