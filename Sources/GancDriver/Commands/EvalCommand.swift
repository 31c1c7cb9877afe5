import GancData
import GancSema

/// `ganc eval FILE.gan SAMPLES.csv`: scores generated samples against the model's data.
enum EvalCommand {
  static let command = Command(
    name: "eval", summary: "score generated samples against the model's real data",
    usage: "FILE.gan SAMPLES.csv [--k K]",
    details: """
      For a 2-D mixture (ring8, grid25): how many modes the samples cover and the share of
      samples within 3 standard deviations of a mode (the PacGAN protocol).
      For a conditional model on a CSV data set: a k-nearest-neighbour classifier fitted to
      the real data (scaled as the model scales it) labels each sample, and the report gives
      how often that label is the class the sample was generated for, per class.
      """,
    options: [OptionDefinition("--k", value: "K", "neighbours for the classifier (default 3)")],
    run: run)

  static func run(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
    guard args.positionals.count == 2 else { throw UsageError("expected a model file and a samples CSV") }
    let k = try args.integer("--k", in: 1...100) ?? 3
    guard let (checked, model) = try Frontend.loadReporting(args.positionals[0], console: console, quietWarnings: true)
    else {
      return ExitStatus.failure
    }
    let samplesPath = args.positionals[1]
    let samples: Table
    do {
      samples = try Table(csvAt: samplesPath)
    } catch {
      throw DriverError(error.description)
    }
    let data: LoadedData
    do {
      data = try LoadedData(model: model, directory: checked.directory, seed: model.schedule.seed)
    } catch {
      throw DriverError(error.diagnostic.message)
    }
    let report = try Evaluation.evaluate(model: model, data: data, samples: samples, k: k)
    console.write(report)
    return ExitStatus.success
  }
}

/// Sample quality measures for `ganc eval`.
enum Evaluation {
  static func evaluate(model: Model, data: LoadedData, samples: Table, k: Int) throws(DriverError) -> String {
    guard let spec = model.schedule.sample else {
      throw DriverError("the model has no `sample` line to say what samples are")
    }
    let width = spec.value.type.shape.dropFirst().reduce(1) { $0 * $1.value }
    // A data input with the samples' shape is what they imitate.
    guard
      let target = model.inputs.first(where: {
        !$0.type.isClassLabels
          && $0.type.shape.dropFirst().map(\.value) == spec.value.type.shape.dropFirst().map(\.value)
      })
    else {
      throw DriverError(
        "no data input has the samples' shape \(spec.value.type.description), so there is nothing to compare with")
    }
    guard samples.columnCount >= width else {
      throw DriverError("the samples have \(samples.columnCount) columns, but the model's samples have \(width) values")
    }
    switch data.sets[target.dataSet]! {
    case .mixture(let m):
      var points: [Float] = []
      for r in 0..<samples.rowCount { points += [samples[r, 0], samples[r, 1]] }
      let rep = m.evaluate(points: points)
      return """
        samples: \(rep.pointCount)
        modes covered: \(rep.modesCovered) of \(rep.modeCount) (a mode counts with at least \(rep.coverageThreshold) high-quality samples)
        high quality: \(format(100 * rep.highQualityFraction, 1))% within 3 std (\(m.std)) of a mode
        per mode: \(rep.modeCounts.map(String.init).joined(separator: " "))

        """
    case .table(let table):
      guard let labelInput = model.inputs.first(where: { $0.type.isClassLabels && $0.dataSet == target.dataSet }) else {
        throw DriverError("the data has no class labels to check the samples against")
      }
      let classes = labelInput.type.classes!.value
      guard samples.columnCount == width + 1 else {
        throw DriverError(
          "expected \(width) values and a class column per sample, found \(samples.columnCount) columns")
      }
      var features: [Float] = Array(repeating: 0, count: table.rowCount * width)
      features.withUnsafeMutableBufferPointer { buf in
        DataFeeder.gather(
          table, rows: Array(0..<table.rowCount), columns: target.columns, scale: target.scale.map(DataFeeder.scale),
          into: buf)
      }
      let real = Table(rowCount: table.rowCount, columnCount: width, values: features)
      let labels = table.column(labelInput.columns[0]).map { Int($0) }
      let knn = NearestNeighbours(train: real, labels: labels, k: k)
      let generated = samples.selecting(columns: 0..<width)
      let predicted = knn.classify(generated)
      let expected = samples.column(width).map { Int($0) }
      let score = ClassificationScore(predicted: predicted, expected: expected, classCount: classes)
      let present = Set(predicted).count
      var s = "samples: \(score.total)\n"
      s +=
        "classified as their conditioning class: \(format(100 * score.accuracy, 1))% (\(k)-NN on \(table.rowCount) real examples)\n"
      s += "classes present among predictions: \(present) of \(classes)\n"
      s +=
        "per class: "
        + score.classAccuracy.enumerated().map { "\($0.offset):\(format(100 * $0.element, 0))%" }.joined(separator: " ")
        + "\n"
      return s
    }
  }
}
