import GancIR
import GancPasses
import GancRuntime
import Testing

@testable import GancDriver

@Suite("cross-step reuse gives the same training as recomputing")
struct CrossStepReuseTests {
  /// Trains `iterations` iterations of `module` from the same start and feeds; returns the
  /// parameters and the losses of every step.
  func train(_ module: Module, iterations: Int) throws -> (parameters: [Float], losses: [Float]) {
    let parameters = TensorStore(module.parameters.map { ($0.name, $0.shape) })
    ParameterInitializer.initialize(parameters, module.parameters, seed: 5)
    let feeds = TensorStore(module.feeds.map { ($0.name, $0.shape) })
    let runners = try module.steps.map {
      try StepRunner(
        step: $0, parameters: parameters, feeds: feeds,
        optimizer: OptimizerState(name: $0.optimizerName, parameters: parameters))
    }
    var losses: [Float] = []
    for it in 0..<iterations {
      for f in module.feeds where !f.name.hasPrefix(CrossStepReuse.feedPrefix) {
        var rng = RandomStream(seed: UInt64(it), name: f.name)
        if f.shape.count == 1 {
          rng.fillClasses(feeds.buffer(f.name)!, classes: 3)
        } else {
          rng.fillNormal(feeds.buffer(f.name)!, mean: 0, std: 1)
        }
      }
      for r in runners {
        for _ in 0..<r.step.repeatCount { r.run() }
        losses.append(r.loss)
      }
    }
    return (parameters.allValues, losses)
  }

  @Test(arguments: ["", "repeat 2"])
  func reuseMatchesRecomputation(_ repeatClause: String) throws {
    let dir = ScratchDirectory()
    let text = tinyConditionalModel.replacingOccurrences(
      of: "step g: minimize g_loss wrt G", with: "step g: minimize g_loss wrt G \(repeatClause)")
    let path = dir.write("tiny.gan", text)
    let checked = try Frontend.load(path)
    let model = try #require(checked.model)
    let reused = try Compilation.compile(model)
    var plain = reused
    plain.feeds.removeAll { $0.name.hasPrefix(CrossStepReuse.feedPrefix) }
    let recomputed = try Compilation.compile(model, reuse: false)
    // With `repeat 2` the generator step's second run sees its own update, so G's forward
    // values must not be carried into it (values of the feeds alone still may be).
    let stepG = Printer.print(reused.steps[1].graph)
    #expect(stepG.contains("input \"carry "))
    #expect(stepG.contains("dense[relu]") == !repeatClause.isEmpty)
    let a = try train(reused, iterations: 6)
    let b = try train(recomputed, iterations: 6)
    // The same kernels on the same values: bit-for-bit the same.
    #expect(a.losses == b.losses)
    #expect(a.parameters == b.parameters)
  }
}
