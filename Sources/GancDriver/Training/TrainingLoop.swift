/// The outer loop of `ganc train`: iterations, progress, metrics, samples and checkpoints.
struct TrainingLoop {
  let session: TrainingSession
  let out: RunDirectory
  let total: Int
  let console: Console
  let quiet: Bool
  var metrics: MetricsLog

  init(session: TrainingSession, out: RunDirectory, total: Int, console: Console, quiet: Bool, metrics: MetricsLog) {
    self.session = session
    self.out = out
    self.total = total
    self.console = console
    self.quiet = quiet
    self.metrics = metrics
  }

  mutating func run(modelPath: String) throws(DriverError) -> Int32 {
    let schedule = session.model.schedule
    let columns = session.columns
    let sampler: SampleGenerator? = schedule.sample == nil ? nil : try session.makeSampler()
    if sampler != nil { try FileIO.createDirectory(out.samples) }
    let clock = ContinuousClock()
    let start = clock.now
    let startIteration = session.iteration
    var sums = [Double](repeating: 0, count: columns.count)
    var counts = [Int](repeating: 0, count: columns.count)
    var lastStatus = clock.now
    var phase = -1

    func elapsed() -> Double {
      let d = clock.now - start
      return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    if !quiet {
      let params = session.module.parameters.reduce(0) { $0 + $1.elementCount }
      console.printError(
        "training \(session.model.name): \(total) iterations, batch \(session.model.batchSize), \(params) parameters, seed \(session.seed) → \(out.path)"
      )
    }
    while session.iteration < total {
      let p = session.phase(at: session.iteration)
      if p != phase, session.module.phases.count > 1, !quiet {
        if console.isInteractive { console.write("\r\u{1B}[K", to: .error) }
        console.printError("phase \(session.module.phases[p].name) (\(session.phaseIterations[p]) iterations)")
      }
      phase = p
      let record = session.iterate()
      let it = session.iteration
      for (i, value) in record.enumerated() {
        guard let l = value else { continue }
        guard l.isFinite || i >= session.runners.count else {
          try FileIO.write(try session.checkpoint().encoded(), to: FileIO.join(out.path, "diverged.ganc"))
          try metrics.write(to: out.metrics)
          throw DriverError(
            "the loss of step `\(columns[i])` became \(l) at iteration \(it); the state is saved in \(FileIO.join(out.path, "diverged.ganc")). A lower learning rate usually helps."
          )
        }
        sums[i] += Double(l)
        counts[i] += 1
      }
      if it % schedule.logInterval == 0 || it == total {
        let means = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : nil }
        metrics.append(iteration: it, seconds: elapsed(), values: means)
        try metrics.write(to: out.metrics)
        if !quiet {
          let rate = Double(it - startIteration) / max(elapsed(), 1e-9)
          let eta = Double(total - it) / max(rate, 1e-9)
          let text = zip(columns, means).compactMap { c, v in v.map { "\(c) \(format($0, 4))" } }.joined(
            separator: "  ")
          if console.isInteractive { console.write("\r\u{1B}[K", to: .error) }
          console.printError(
            "[\(pad(it, total))/\(total)]  \(text)   \(format(rate, 1)) it/s  eta \(formatDuration(eta))")
        }
        sums = sums.map { _ in 0 }
        counts = counts.map { _ in 0 }
      } else if console.isInteractive && !quiet && clock.now - lastStatus > .milliseconds(200) {
        lastStatus = clock.now
        let rate = Double(it - startIteration) / max(elapsed(), 1e-9)
        console.write("\r\u{1B}[K[\(pad(it, total))/\(total)]  \(format(rate, 1)) it/s", to: .error)
      }
      if let sampler, let every = schedule.sample?.interval, it % every == 0 {
        try sampler.write(count: schedule.sample!.count, to: FileIO.join(out.samples, pad(it, total, zeros: true)))
      }
      if let every = schedule.checkpointInterval, it % every == 0 {
        try FileIO.write(try session.checkpoint().encoded(), to: out.checkpoint)
      }
    }
    try FileIO.write(try session.checkpoint().encoded(), to: out.checkpoint)
    try metrics.write(to: out.metrics)
    if let sampler {
      try sampler.write(count: schedule.sample!.count, to: FileIO.join(out.path, "samples"))
    }
    let seconds = elapsed()
    let done = session.iteration - startIteration
    console.printError(
      "trained \(session.model.name) for \(done) iterations in \(format(seconds, 1)) s (\(format(Double(done) / max(seconds, 1e-9), 1)) it/s); wrote \(out.path)/"
    )
    return ExitStatus.success
  }

  private func pad(_ i: Int, _ total: Int, zeros: Bool = false) -> String {
    let s = String(i)
    let width = String(total).count
    return String(repeating: zeros ? "0" : " ", count: max(0, width - s.count)) + s
  }
}

/// `x` with `digits` decimals (no Foundation formatting in the hot loop's neighbourhood).
func format(_ x: Double, _ digits: Int) -> String {
  guard x.isFinite else { return String(x) }
  var p = 1.0
  for _ in 0..<digits { p *= 10 }
  let r = (abs(x) * p).rounded()
  let whole = Int(r / p)
  let frac = Int(r.truncatingRemainder(dividingBy: p))
  let sign = x < 0 && r > 0 ? "-" : ""
  if digits == 0 { return sign + String(whole) }
  let f = String(frac)
  return sign + String(whole) + "." + String(repeating: "0", count: digits - f.count) + f
}

func formatDuration(_ s: Double) -> String {
  guard s.isFinite else { return "?" }
  if s < 60 { return format(s, 0) + "s" }
  let m = Int(s) / 60
  return "\(m)m\(Int(s) % 60)s"
}
