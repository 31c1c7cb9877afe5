/// The text form of the IR, for `ganc ir` and for golden tests.
///
///     %7: [64, 128] = dense[relu] %0, %1, %2
///
/// Values are listed with their shapes; outputs follow the instructions.
public enum Printer {
  public static func print(_ g: Graph, indent: String = "  ") -> String {
    var s = ""
    for inst in g.instructions {
      let results = inst.results.map { "\($0): \(format(g.shape(of: $0)))" }.joined(separator: ", ")
      let operands = inst.operands.map(\.description).joined(separator: ", ")
      s += "\(indent)\(results) = \(inst.op.mnemonic)\(operands.isEmpty ? "" : " " + operands)\n"
    }
    for (name, v) in g.outputs {
      s += "\(indent)output \"\(name)\" = \(v)\n"
    }
    return s
  }

  public static func print(_ step: TrainingStep) -> String {
    let o = step.optimizer
    var s = "step \(step.name): minimize \(step.lossName) wrt \(step.networks.joined(separator: ", "))"
    if step.repeatCount > 1 { s += " repeat \(step.repeatCount)" }
    if let c = step.condition { s += " when \(c)" }
    if !step.optimizerName.hasPrefix("step ") { s += " using \(step.optimizerName)" }
    s += "\n  # \(step.graph.instructions.count) instructions, \(step.parameters.count) trained parameters\n"
    s += print(step.graph)
    for p in step.parameters {
      s += "  update adam(lr: \(o.learningRate), beta1: \(o.beta1), beta2: \(o.beta2), eps: \(o.epsilon)) \"\(p)\"\n"
    }
    return s
  }

  public static func print(_ m: Module) -> String {
    var s = "module \(m.name)\n\n"
    for p in m.parameters {
      s += "param \"\(p.name)\": \(format(p.shape)) owner \(p.owner) init \(p.initializer)\n"
    }
    for f in m.feeds {
      s += "feed \"\(f.name)\": \(format(f.shape))\n"
    }
    for phase in m.phases where m.phases.count > 1 || phase.name != "train" {
      let length = phase.iterations.map { "\($0) iterations" } ?? phase.epochs.map { "\($0) epochs" } ?? ""
      s += "phase \(phase.name): \(length), steps \(phase.steps.map { m.steps[$0].name }.joined(separator: ", "))\n"
    }
    for step in m.steps {
      s += "\n" + print(step)
    }
    if let g = m.metrics {
      s += "\nmetrics:\n" + print(g)
    }
    if let g = m.sample {
      s += "\nsample:\n" + print(g)
    }
    return s
  }

  public static func format(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }
}
