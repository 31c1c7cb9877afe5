import GancAutodiff
import GancIR
import GancLowering
import GancPasses
import GancSema

/// The compiler's middle: lowering, differentiation and the pass pipeline.
enum Compilation {
  /// The model as IR, each step with its backward graph; optimised unless `optimize` is false.
  /// With `reuse`, later steps of an iteration take values earlier ones computed.
  static func compile(_ model: Model, optimize: Bool = true, reuse: Bool = true) throws(DriverError) -> Module {
    var module = Lowering.lower(model)
    for i in module.steps.indices {
      do {
        module.steps[i] = try Autodiff.differentiate(module.steps[i])
      } catch {
        throw DriverError("cannot differentiate step `\(module.steps[i].name)`: \(error.message)")
      }
      if optimize { module.steps[i] = Pipeline.run(module.steps[i]) }
    }
    if optimize, let s = module.sample { module.sample = Pipeline.run(s) }
    if optimize && reuse { module = CrossStepReuse.run(module) }
    return module
  }
}
