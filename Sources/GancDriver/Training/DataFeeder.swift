import GancData
import GancDiagnostics
import GancIR
import GancRuntime
import GancSema
import GancSource

/// Fills the feed buffers (data and noise) before each iteration.
///
/// All inputs read from one data set share one batch of row indices per iteration, so `x`
/// and its label `y` come from the same rows. Noise is drawn once per iteration and shared
/// by every step of that iteration.
final class DataFeeder {
  /// One data set's rows and its position; a class so a batch is drawn in place.
  final class Source {
    enum Kind {
      case table(Table)
      case mixture(Mixture2D)
    }

    let kind: Kind
    var sampler: BatchSampler?
    var rng: RandomStream
    /// A generated batch of points (mixtures only).
    var points: [Float]

    init(_ kind: Kind, batch: Int, rng: RandomStream) {
      self.kind = kind
      self.rng = rng
      if case .table(let t) = kind {
        sampler = BatchSampler(rowCount: t.rowCount, batchSize: batch, rng: rng)
        points = []
      } else {
        points = Array(repeating: 0, count: 2 * batch)
      }
    }
  }

  let model: Model
  let feeds: TensorStore
  private(set) var sources: [String: Source] = [:]
  private(set) var noiseStreams: [String: RandomStream] = [:]
  private var rows: [Int]
  /// Data sets in a fixed order, so the draws do not depend on dictionary order.
  private var sourceOrder: [String] = []
  let batch: Int
  let prefix: String

  /// A feeder over loaded data; `prefix` separates its random streams from others (the
  /// sampler uses its own, so sampling never shifts what training draws).
  init(model: Model, data: LoadedData, feeds: TensorStore, seed: UInt64, prefix: String = "") {
    self.model = model
    self.feeds = feeds
    self.batch = model.batchSize
    self.rows = Array(repeating: 0, count: model.batchSize)
    self.prefix = prefix
    for (name, d) in data.sets {
      let rng = RandomStream(seed: seed, name: prefix + "data " + name)
      switch d {
      case .table(let t): sources[name] = Source(.table(t), batch: batch, rng: rng)
      case .mixture(let m): sources[name] = Source(.mixture(m), batch: batch, rng: rng)
      }
    }
    for n in model.noises {
      noiseStreams[n.name] = RandomStream(seed: seed, name: prefix + "noise " + n.name)
    }
    sourceOrder = sources.keys.sorted()
    randomStream = RandomStream(seed: seed, name: prefix + "random feeds")
  }

  /// Draws the next batch of every data set, fresh noise and the compiler's random feeds
  /// (dropout masks) into the feed buffers.
  func fillAll() {
    for name in sourceOrder { fillData(name) }
    for n in model.noises { fillNoise(n, stream: &noiseStreams[n.name]!) }
    for name in randomFeeds {
      if let buf = feeds.buffer(name) { randomStream.fillUniform(buf, low: 0, high: 1) }
    }
  }

  /// Feeds the compiler added that want fresh uniform values every iteration.
  var randomFeeds: [String] = []
  private var randomStream: RandomStream

  private func fillData(_ name: String) {
    let source = sources[name]!
    switch source.kind {
    case .table(let table):
      rows.withUnsafeMutableBufferPointer { source.sampler!.next(into: $0) }
      for input in model.inputs where input.dataSet == name {
        Self.gather(
          table, rows: rows, columns: input.columns, scale: input.scale.map(Self.scale), into: feeds.buffer(input.name)!
        )
      }
    case .mixture(let m):
      source.points.withUnsafeMutableBufferPointer { m.sample(count: batch, into: $0, rng: &source.rng) }
      for input in model.inputs where input.dataSet == name {
        let out = feeds.buffer(input.name)!
        let width = input.columns.count
        let scale = input.scale.map(Self.scale)
        for r in 0..<batch {
          for (j, c) in input.columns.enumerated() {
            let v = source.points[2 * r + c]
            out[r * width + j] = scale.map { $0(v) } ?? v
          }
        }
      }
    }
  }

  func fillNoise(_ n: NoiseSpec, stream: inout RandomStream) {
    let buf = feeds.buffer(n.name)!
    switch n.distribution {
    case .normal(let mean, let std): stream.fillNormal(buf, mean: Float(mean), std: Float(std))
    case .uniform(let low, let high): stream.fillUniform(buf, low: Float(low), high: Float(high))
    case .uniformClasses: stream.fillClasses(buf, classes: n.type.classes!.value)
    }
  }

  /// `out[r, j] = scale(table[rows[r], columns[j]])`.
  static func gather(
    _ table: Table, rows: [Int], columns: [Int], scale: LinearScale?, into out: UnsafeMutableBufferPointer<Float>
  ) {
    if let first = columns.first, let last = columns.last, last - first + 1 == columns.count {
      table.gather(rows: rows, columns: first..<(last + 1), scale: scale, into: out)
      return
    }
    let width = columns.count
    table.values.withUnsafeBufferPointer { v in
      for (r, row) in rows.enumerated() {
        let base = row * table.columnCount
        for (j, c) in columns.enumerated() {
          let x = v[base + c]
          out[r * width + j] = scale.map { $0(x) } ?? x
        }
      }
    }
  }

  static func scale(_ m: LinearMap) -> LinearScale {
    LinearScale(
      from: Float(m.from.lowerBound)...Float(m.from.upperBound), to: Float(m.to.lowerBound)...Float(m.to.upperBound))
  }

  // MARK: - Checkpoint state

  struct State: Codable {
    var samplers: [String: BatchSampler.State]
    var streams: [String: UInt64]
  }

  var state: State {
    var samplers: [String: BatchSampler.State] = [:]
    var streams: [String: UInt64] = [:]
    for (name, s) in sources {
      if let sampler = s.sampler { samplers[name] = sampler.state } else { streams["data " + name] = s.rng.counter }
    }
    for (name, s) in noiseStreams { streams["noise " + name] = s.counter }
    streams["random feeds"] = randomStream.counter
    return State(samplers: samplers, streams: streams)
  }

  func restore(_ state: State, seed: UInt64) throws(DriverError) {
    for (name, s) in sources {
      if case .table(let t) = s.kind {
        guard let saved = state.samplers[name] else {
          throw DriverError("the checkpoint has no position for data set `\(name)`")
        }
        do {
          s.sampler = try BatchSampler(
            rowCount: t.rowCount, batchSize: batch, rng: RandomStream(seed: seed, name: prefix + "data " + name),
            state: saved)
        } catch {
          throw DriverError("cannot resume data set `\(name)`: \(error.description)")
        }
      } else {
        guard let c = state.streams["data " + name] else {
          throw DriverError("the checkpoint has no position for data set `\(name)`")
        }
        s.rng.counter = c
      }
    }
    randomStream.counter = state.streams["random feeds"] ?? 0
    for name in Array(noiseStreams.keys) {
      guard let c = state.streams["noise " + name] else {
        throw DriverError("the checkpoint has no position for noise `\(name)`")
      }
      noiseStreams[name]!.counter = c
    }
  }
}

/// Data that does not fit the model, as a diagnostic on the model's source.
struct FeedError: Error {
  var diagnostic: Diagnostic
  init(_ d: Diagnostic) { diagnostic = d }
}

/// The data sets of a model, read and validated against the inputs that use them.
struct LoadedData {
  enum Set {
    case table(Table)
    case mixture(Mixture2D)
  }

  var sets: [String: Set] = [:]
  /// For windows normalised over the whole series: the map from original units, so
  /// plots can show samples in millivolts again.
  var scales: [String: LinearScale] = [:]

  /// Loads (or generates, with `seed`) every data set. Data that does not fit the model
  /// (too few columns, labels out of range) is reported as a diagnostic on the declaration
  /// that reads it.
  init(model: Model, directory: String, seed: UInt64) throws(FeedError) {
    for ds in model.dataSets {
      func fail(_ what: String, _ error: DataError) -> FeedError {
        FeedError(
          Diagnostic(
            .dataFile, "cannot read data set `\(ds.name)`: \(what)\(error.description)",
            at: Label(ds.range, "read here")))
      }
      func path(_ p: String) -> String { FileIO.resolve(p, relativeTo: directory) }
      var table: Table
      switch ds.source {
      case .mixture(let kind, let std):
        sets[ds.name] = .mixture(kind == .ring8 ? Mixture2D.ring8(std: Float(std)) : Mixture2D.grid25(std: Float(std)))
        continue
      case .csv(let p):
        do throws(DataError) { table = try Table(csvAt: path(p)) } catch { throw fail("", error) }
      case .idx(let images, let labels):
        do throws(DataError) {
          table = try Table(idxAt: path(images))
          if let labels {
            let l = try Table(idxAt: path(labels))
            guard l.rowCount == table.rowCount, l.columnCount == 1 else {
              throw DataError(
                "the label file has \(l.rowCount) rows of \(l.columnCount) values, but the images are \(table.rowCount)"
              )
            }
            table = table.appendingColumns(of: l)
          }
        } catch { throw fail("", error) }
      case .windows(let p, let column, let length, let stride, let normalize):
        do throws(DataError) {
          let series = try Table(csvAt: path(p))
          guard column < series.columnCount else {
            throw DataError("column \(column) does not exist: the file has \(series.columnCount)")
          }
          let how: SeriesNormalization =
            switch normalize {
            case .none: .none
            case .minmax: .minMax
            case .zscore: .zScore
            case .window_minmax: .perWindowMinMax
            }
          let w = try series.windows(of: column, length: length, stride: stride, normalization: how)
          table = w.table
          scales[ds.name] = w.scale
        } catch { throw fail("", error) }
      case .sequences(let p, let key, let columns, let length, let stride):
        do throws(DataError) {
          table = try KeyedCSV(path: path(p)).sequences(key: key, columns: columns, length: length, stride: stride)
        } catch { throw fail("", error) }
      case .sines(let count, let length, let features):
        var rng = RandomStream(seed: seed, name: "generate " + ds.name)
        table = Sines.generate(count: count, length: length, features: features, rng: &rng)
      case .movingDigits(let digits, let count, let frames, let canvas):
        var rng = RandomStream(seed: seed, name: "generate " + ds.name)
        do throws(DataError) {
          let source = try Table(csvAt: path(digits))
          table = try MovingDigits.generate(count: count, frames: frames, canvas: canvas, digits: source, rng: &rng)
        } catch { throw fail("", error) }
      }
      guard table.rowCount > 0 else {
        throw FeedError(Diagnostic(.dataFile, "data set `\(ds.name)` has no rows", at: Label(ds.range)))
      }
      sets[ds.name] = .table(table)
    }
    for input in model.inputs {
      guard case .table(let t) = sets[input.dataSet], let last = input.columns.max() else { continue }
      if last >= t.columnCount {
        throw FeedError(
          Diagnostic(
            .dataColumns,
            "input `\(input.name)` reads column \(last), but `\(input.dataSet)` has \(t.columnCount) column\(t.columnCount == 1 ? "" : "s")",
            at: Label(input.range, "reads past the last column")))
      }
      if let k = input.type.classes?.value {
        for c in input.columns {
          for r in 0..<t.rowCount {
            let v = t[r, c]
            if v != v.rounded() || v < 0 || Int(v) >= k {
              throw FeedError(
                Diagnostic(
                  .dataColumns,
                  "input `\(input.name)` holds class labels in 0..<\(k), but row \(r + 1) of `\(input.dataSet)` has \(formatNumber(Double(v))) in column \(c)",
                  at: Label(input.range, "labels read here"),
                  help: v == Float(k) && v == v.rounded()
                    ? "the labels may count from 1; class labels count from 0"
                    : "check the column index and the class count"))
            }
          }
        }
      }
    }
  }

  /// Rows in the first CSV data set an input reads (for `epochs`), if any.
  func epochRowCount(_ model: Model) -> Int? {
    for input in model.inputs {
      if case .table(let t) = sets[input.dataSet] { return t.rowCount }
    }
    return nil
  }
}
