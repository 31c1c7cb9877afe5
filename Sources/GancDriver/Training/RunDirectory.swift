/// The files of one training run.
struct RunDirectory {
  var path: String
  var checkpoint: String { FileIO.join(path, "checkpoint.ganc") }
  var metrics: String { FileIO.join(path, "metrics.csv") }
  var samples: String { FileIO.join(path, "samples") }

  /// The directory to use. Without `--out`, a fresh `runs/MODEL[-N]` (never an old run's);
  /// with `--out`, that directory, which must not hold a run unless resuming or forced.
  static func choose(explicit: String?, model: String, resume: Bool, force: Bool) throws(DriverError) -> RunDirectory {
    if let explicit {
      let d = RunDirectory(path: explicit)
      if resume {
        guard FileIO.exists(d.checkpoint) else {
          throw DriverError("there is no checkpoint to resume in `\(explicit)`")
        }
      } else if FileIO.exists(d.checkpoint) && !force {
        throw DriverError(
          "`\(explicit)` already holds a run; use --resume to continue it, --force to start over, or another --out")
      }
      return d
    }
    let base = FileIO.join("runs", model)
    if resume {
      let d = RunDirectory(path: base)
      guard FileIO.exists(d.checkpoint) else {
        throw DriverError("there is no checkpoint to resume in `\(base)`; name the run with --out DIR")
      }
      return d
    }
    if !FileIO.exists(base) || force { return RunDirectory(path: base) }
    var n = 2
    while FileIO.exists("\(base)-\(n)") { n += 1 }
    return RunDirectory(path: "\(base)-\(n)")
  }
}

/// `metrics.csv`: one row per logging interval with each step's mean loss and each
/// metric's mean.
struct MetricsLog {
  var columns: [String]
  var rows: [String] = []

  init(columns: [String]) { self.columns = columns }

  var header: String { (["iteration", "seconds"] + columns).joined(separator: ",") }

  /// A row; a value is empty when its column had nothing in the interval (a step of
  /// another phase).
  mutating func append(iteration: Int, seconds: Double, values: [Double?]) {
    let fields = [String(iteration), String(format3(seconds))] + values.map { $0.map { String(Float($0)) } ?? "" }
    rows.append(fields.joined(separator: ","))
  }

  /// Keeps the rows of an earlier run up to `iteration` (what its checkpoint covers).
  mutating func load(from path: String, upTo iteration: Int) {
    guard let text = try? FileIO.readText(path) else { return }
    for line in text.split(separator: "\n").dropFirst() {
      if let i = Int(line.split(separator: ",").first ?? ""), i <= iteration { rows.append(String(line)) }
    }
  }

  func write(to path: String) throws(DriverError) {
    try FileIO.write(([header] + rows).joined(separator: "\n") + "\n", to: path)
  }

  private func format3(_ x: Double) -> String {
    let v = (x * 1000).rounded() / 1000
    return String(v)
  }
}
