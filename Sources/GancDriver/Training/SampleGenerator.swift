import GancData
import GancIR
import GancRuntime
import GancSema

/// Generates samples from the model's `sample` expression with the current parameters.
///
/// Noise comes from streams reset at every call, so samples taken at different points of
/// training use the same noise and can be compared. Class-label noise is not random here:
/// sample `i` of `n` gets class `i·K/n`, so a grid shows one row per class.
final class SampleGenerator {
  let model: Model
  let spec: SampleSpec
  private let executable: Executable
  private let feeds: TensorStore
  private let data: LoadedData
  private let seed: UInt64
  /// The class-label noise whose labels are reported beside the samples, if any.
  let labelNoise: NoiseSpec?
  /// The map from the data's original units to the model's, for the data set the samples
  /// imitate, when it was normalised over the whole series.
  let unitScale: LinearScale?

  init(model: Model, module: Module, parameters: TensorStore, data: LoadedData, seed: UInt64) throws(DriverError) {
    guard let spec = model.schedule.sample, let graph = module.sample else {
      throw DriverError("the model has no `sample` line in its training block, so there is nothing to sample")
    }
    self.model = model
    self.spec = spec
    self.data = data
    self.seed = seed
    let feeds = TensorStore(module.feeds.map { ($0.name, $0.shape) })
    self.feeds = feeds
    do {
      executable = try Executable(graph: graph, parameters: parameters, feeds: feeds)
    } catch {
      throw DriverError("cannot compile the sampling graph: \(error.message)")
    }
    var used: Set<String> = []
    for inst in graph.instructions { if case .input(let n) = inst.op { used.insert(n) } }
    labelNoise = model.noises.first { used.contains($0.name) && $0.type.isClassLabels }
    let imitated = model.inputs.first {
      !$0.type.isClassLabels && $0.type.shape.dropFirst().map(\.value) == spec.value.type.shape.dropFirst().map(\.value)
    }
    unitScale = imitated.flatMap { data.scales[$0.dataSet] }
  }

  /// Values per sample (the sample's shape without the batch axis, flattened).
  var width: Int { spec.value.type.shape.dropFirst().reduce(1) { $0 * $1.value } }

  /// `count` samples, `width` values each, and their class labels when there are any.
  func generate(count: Int) -> (values: [Float], labels: [Int]?) {
    let batch = model.batchSize
    let feeder = DataFeeder(model: model, data: data, feeds: feeds, seed: seed, prefix: "sample ")
    var values: [Float] = []
    values.reserveCapacity(count * width)
    var labels: [Int] = []
    var produced = 0
    while produced < count {
      feeder.fillAll()
      for n in model.noises where n.type.isClassLabels {
        let k = n.type.classes!.value
        let buf = feeds.buffer(n.name)!
        for j in 0..<buf.count {
          let i = min(produced + j, count - 1)
          buf[j] = Float(i * k / count)
        }
      }
      executable.run()
      let out = executable.output(Module.sampleOutput)!
      let take = min(batch, count - produced)
      values += out.prefix(take * width)
      if let l = labelNoise {
        labels += feeds.buffer(l.name)!.prefix(take).map { Int($0) }
      }
      produced += take
    }
    return (values, labelNoise == nil ? nil : labels)
  }

  /// Writes `base.csv` and, for images and points, `base.png`; for series, `base.svg`.
  func write(count: Int, to base: String) throws(DriverError) {
    let (values, labels) = generate(count: count)
    let w = width
    var rows: [[Float]] = []
    rows.reserveCapacity(count)
    for i in 0..<count {
      var row = Array(values[i * w..<(i + 1) * w])
      if let labels { row.append(Float(labels[i])) }
      rows.append(row)
    }
    var header = (0..<w).map { "v\($0)" }
    if let l = labelNoise { header.append(l.name) }
    do {
      try CSVWriter.write(rows: rows, header: header, to: base + ".csv")
      switch spec.view {
      case .table:
        break
      case .image(let h, let iw, let low, let high):
        let gridRows: Int
        if let l = labelNoise {
          gridRows = min(l.type.classes!.value, count)
        } else {
          gridRows = max(1, Int(Double(count).squareRoot()))
        }
        let columns = (count + gridRows - 1) / gridRows
        let grid = ImageGrid(
          rows: gridRows, columns: columns, imageHeight: h, imageWidth: iw, valueRange: Float(low)...Float(high),
          upscale: max(1, 32 / max(h, iw)))
        try PNGWriter.write(grid.render(values), to: base + ".png")
      case .scatter:
        var references: [(Float, Float)] = []
        var extent: Float = 1
        for ds in model.dataSets {
          if case .mixture(let kind, let std) = ds.source {
            let m = kind == .ring8 ? Mixture2D.ring8(std: Float(std)) : Mixture2D.grid25(std: Float(std))
            references = m.modes
            extent = m.modes.map { max(abs($0.0), abs($0.1)) }.max() ?? 1
          }
        }
        if references.isEmpty {
          extent = values.filter(\.isFinite).map { abs($0) }.max() ?? 1
        }
        let plot = ScatterPlot(size: 400, range: -(extent * 1.4)...(extent * 1.4))
        try PNGWriter.write(plot.render(points: values, references: references), to: base + ".png")
      case .series:
        // Samples of one value per step: the first few, in the data's own units when the
        // data was normalised over the whole series (a window's millivolts, not [-1, 1]).
        // Samples of several features per step ([B, T, F]): each feature of the first one.
        let inverse = unitScale?.inverse
        let shape = spec.value.type.shape.map(\.value)
        let series: [[Float]]
        let names: [String]
        let title: String
        if shape.count == 3 {
          let (t, f) = (shape[1], shape[2])
          series = (0..<f).map { j in (0..<t).map { values[$0 * f + j] } }
          names = (0..<f).map { "feature \($0)" }
          title = "\(model.name): the features of one sample"
        } else {
          let shown = min(count, 6)
          series = (0..<shown).map { i in values[(i * w)..<((i + 1) * w)].map { v in inverse.map { $0(v) } ?? v } }
          names = (0..<shown).map { "sample \($0)" }
          title = "\(model.name): \(shown) samples"
        }
        let plot = SeriesPlot(title: title, xLabel: "step", yLabel: inverse == nil ? "value" : "original units")
        try plot.writeSVG(series, names: names, to: base + ".svg")
      }
    } catch {
      throw DriverError("cannot write samples to `\(base)`: \(error.description)")
    }
  }
}
