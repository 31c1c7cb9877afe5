import GancData
import GancIR
import GancRuntime
import GancSema

/// Everything a run needs, compiled once: parameters, feeds, one runner per step, and the
/// data feeder. `iterate()` is one training iteration.
final class TrainingSession {
  let model: Model
  let module: Module
  let seed: UInt64
  let parameters: TensorStore
  let feeds: TensorStore
  let runners: [StepRunner]
  let feeder: DataFeeder
  let data: LoadedData
  private(set) var iteration = 0

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
      data = try LoadedData(model: model, directory: directory)
    } catch {
      throw .data(error)
    }
    feeder = DataFeeder(model: model, data: data, feeds: feeds, seed: seed)
    var runners: [StepRunner] = []
    for step in module.steps {
      do {
        runners.append(try StepRunner(step: step, parameters: parameters, feeds: feeds))
      } catch {
        throw .driver(DriverError("cannot compile step `\(step.name)`: \(error.message)"))
      }
    }
    self.runners = runners
  }

  /// The number of iterations the schedule asks for.
  var scheduledIterations: Int {
    if let n = model.schedule.iterations { return n }
    let epochs = model.schedule.epochs ?? 1
    let rows = data.epochRowCount(model) ?? model.batchSize
    return epochs * ((rows + model.batchSize - 1) / model.batchSize)
  }

  /// One iteration: fresh data and noise, then every step in order, each repeated as
  /// written. Returns each step's loss (from its last repetition).
  @discardableResult
  func iterate() -> [Float] {
    feeder.fillAll()
    var losses: [Float] = []
    losses.reserveCapacity(runners.count)
    for r in runners {
      for _ in 0..<r.step.repeatCount { r.run() }
      losses.append(r.loss)
    }
    iteration += 1
    return losses
  }

  func makeSampler() throws(DriverError) -> SampleGenerator {
    try SampleGenerator(model: model, module: module, parameters: parameters, data: data, seed: seed)
  }

  // MARK: - Checkpoints

  func checkpoint() -> Checkpoint {
    var values = parameters.allValues
    for r in runners {
      values += Array(r.firstMoment.buffer)
      values += Array(r.secondMoment.buffer)
    }
    var losses: [String: Float] = [:]
    for r in runners { losses[r.step.name] = r.loss }
    let header = Checkpoint.Header(
      model: model.name, iteration: iteration, seed: seed,
      parameters: module.parameters.map { .init(name: $0.name, shape: $0.shape) },
      steps: runners.map { .init(name: $0.step.name, updateCount: $0.updateCount) },
      data: feeder.state, losses: losses)
    return Checkpoint(header: header, values: values)
  }

  /// Restores parameters, and unless `parametersOnly`, the optimizer and data positions.
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
    for r in runners {
      guard let s = c.header.steps.first(where: { $0.name == r.step.name }) else {
        throw DriverError("the checkpoint has no state for step `\(r.step.name)`")
      }
      let m = r.firstMoment.count
      guard offset + 2 * m <= c.values.count else { throw DriverError("the checkpoint is truncated") }
      c.values.withUnsafeBufferPointer { src in
        _ = r.firstMoment.buffer.update(fromContentsOf: src[offset..<offset + m])
        _ = r.secondMoment.buffer.update(fromContentsOf: src[offset + m..<offset + 2 * m])
      }
      offset += 2 * m
      r.updateCount = s.updateCount
    }
    try feeder.restore(c.header.data, seed: seed)
    iteration = c.header.iteration
  }
}

enum TrainingSetupError: Error {
  case driver(DriverError)
  case data(FeedError)
}
