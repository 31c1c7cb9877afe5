import GancData
import GancIR
import GancRuntime
import GancSema

/// Everything a run needs, compiled once: parameters, feeds, optimizers, one runner per
/// step, the metrics graph and the data feeder. `iterate()` is one training iteration.
final class TrainingSession {
  let model: Model
  let module: Module
  let seed: UInt64
  let parameters: TensorStore
  let feeds: TensorStore
  let runners: [StepRunner]
  let optimizers: [String: OptimizerState]
  let metrics: Executable?
  let feeder: DataFeeder
  let data: LoadedData
  /// Iterations of each phase, in order.
  let phaseIterations: [Int]
  private(set) var iteration = 0

  /// The columns of a progress record: every step's loss, then every metric.
  let columns: [String]

  init(model: Model, directory: String, seed: UInt64) throws(TrainingSetupError) {
    self.model = model
    self.seed = seed
    do {
      module = try Compilation.compile(model)
    } catch {
      throw .driver(error)
    }
    parameters = TensorStore(module.parameters.map { ($0.name, $0.shape) })
    ParameterInitializer.initialize(parameters, module.parameters, seed: seed)
    feeds = TensorStore(module.feeds.map { ($0.name, $0.shape) })
    do {
      data = try LoadedData(model: model, directory: directory, seed: seed)
    } catch {
      throw .data(error)
    }
    feeder = DataFeeder(model: model, data: data, feeds: feeds, seed: seed)
    feeder.randomFeeds = module.feeds.filter(\.random).map(\.name)
    var optimizers: [String: OptimizerState] = [:]
    var runners: [StepRunner] = []
    for step in module.steps {
      let state = optimizers[step.optimizerName] ?? OptimizerState(name: step.optimizerName, parameters: parameters)
      optimizers[step.optimizerName] = state
      do {
        runners.append(try StepRunner(step: step, parameters: parameters, feeds: feeds, optimizer: state))
      } catch {
        throw .driver(DriverError("cannot compile step `\(step.name)`: \(error.message)"))
      }
    }
    self.runners = runners
    self.optimizers = optimizers
    if let g = module.metrics {
      do {
        metrics = try Executable(graph: g, parameters: parameters, feeds: feeds)
      } catch {
        throw .driver(DriverError("cannot compile the metrics: \(error.message)"))
      }
    } else {
      metrics = nil
    }
    let rows = data.epochRowCount(model) ?? model.batchSize
    let perEpoch = (rows + model.batchSize - 1) / model.batchSize
    phaseIterations = module.phases.map { $0.iterations ?? ($0.epochs ?? 1) * perEpoch }
    columns = module.steps.map(\.name) + model.metrics.map(\.name)
  }

  /// The number of iterations the schedule asks for.
  var scheduledIterations: Int { phaseIterations.reduce(0, +) }

  /// The phase iteration `i` (counted from 0) belongs to; past the end, the last phase.
  func phase(at i: Int) -> Int {
    var end = 0
    for (p, n) in phaseIterations.enumerated() {
      end += n
      if i < end { return p }
    }
    return phaseIterations.count - 1
  }

  /// One iteration: fresh data and noise, then the current phase's steps in order, each
  /// repeated as written, then the metrics. Returns a value per column (nil for steps of
  /// other phases).
  @discardableResult
  func iterate() -> [Float?] {
    feeder.fillAll()
    var record = [Float?](repeating: nil, count: columns.count)
    for i in module.phases[phase(at: iteration)].steps {
      let r = runners[i]
      for _ in 0..<r.step.repeatCount { r.run() }
      record[i] = r.loss
    }
    if let metrics {
      metrics.run()
      for (k, m) in model.metrics.enumerated() {
        record[runners.count + k] = metrics.output(m.name)?.first
      }
    }
    iteration += 1
    return record
  }

  func makeSampler() throws(DriverError) -> SampleGenerator {
    try SampleGenerator(model: model, module: module, parameters: parameters, data: data, seed: seed)
  }

  // MARK: - Checkpoints

  func checkpoint() -> Checkpoint {
    var values = parameters.allValues
    let names = optimizers.keys.sorted()
    for n in names {
      values += Array(optimizers[n]!.firstMoment.buffer)
      values += Array(optimizers[n]!.secondMoment.buffer)
    }
    var losses: [String: Float] = [:]
    for r in runners { losses[r.step.name] = r.loss }
    let header = Checkpoint.Header(
      model: model.name, iteration: iteration, seed: seed,
      parameters: module.parameters.map { .init(name: $0.name, shape: $0.shape) },
      optimizers: names.map { .init(name: $0, updateCounts: optimizers[$0]!.updateCounts) },
      data: feeder.state, losses: losses)
    return Checkpoint(header: header, values: values)
  }

  /// Restores parameters, and unless `parametersOnly`, the optimizers and data positions.
  func restore(_ c: Checkpoint, parametersOnly: Bool = false) throws(DriverError) {
    let expected = module.parameters.map { Checkpoint.TensorEntry(name: $0.name, shape: $0.shape) }
    for (e, got) in zip(expected, c.header.parameters) where e.name != got.name || e.shape != got.shape {
      throw DriverError(
        "the checkpoint does not fit this model: it has `\(got.name)` \(got.shape) where the model has `\(e.name)` \(e.shape)"
      )
    }
    guard expected.count == c.header.parameters.count else {
      throw DriverError(
        "the checkpoint does not fit this model: it has \(c.header.parameters.count) parameter tensors, the model \(expected.count)"
      )
    }
    let n = parameters.arena.count
    guard c.values.count >= n else { throw DriverError("the checkpoint is truncated") }
    c.values.withUnsafeBufferPointer { src in
      _ = parameters.arena.buffer.update(fromContentsOf: src[0..<n])
    }
    if parametersOnly { return }
    guard c.header.seed == seed else {
      throw DriverError(
        "the checkpoint was trained with seed \(c.header.seed), not \(seed); resume with `--seed \(c.header.seed)`")
    }
    var offset = n
    for entry in c.header.optimizers {
      guard let state = optimizers[entry.name], entry.updateCounts.count == state.updateCounts.count else {
        throw DriverError("the checkpoint's optimizer `\(entry.name)` does not fit this model's steps")
      }
      guard offset + 2 * n <= c.values.count else { throw DriverError("the checkpoint is truncated") }
      c.values.withUnsafeBufferPointer { src in
        _ = state.firstMoment.buffer.update(fromContentsOf: src[offset..<offset + n])
        _ = state.secondMoment.buffer.update(fromContentsOf: src[offset + n..<offset + 2 * n])
      }
      state.updateCounts = entry.updateCounts
      offset += 2 * n
    }
    guard Set(c.header.optimizers.map(\.name)) == Set(optimizers.keys) else {
      throw DriverError("the checkpoint's optimizers do not match this model's steps")
    }
    try feeder.restore(c.header.data, seed: seed)
    iteration = c.header.iteration
  }
}

enum TrainingSetupError: Error {
  case driver(DriverError)
  case data(FeedError)
}
