/// Checks the invariants every pass relies on: each value defined exactly once, before its
/// uses; every instruction's result shapes agree with its op's shape rule; outputs defined.
public enum Verifier {
  public static func verify(_ g: Graph) -> [String] {
    var problems: [String] = []
    var defined = [Bool](repeating: false, count: g.shapes.count)
    for (i, inst) in g.instructions.enumerated() {
      for o in inst.operands {
        if o.index >= g.shapes.count || !defined[o.index] {
          problems.append("instruction \(i) (\(inst.op.mnemonic)) uses \(o) before it is defined")
        }
      }
      if inst.results.count != inst.op.resultCount {
        problems.append(
          "instruction \(i) (\(inst.op.mnemonic)) has \(inst.results.count) results, expected \(inst.op.resultCount)")
      }
      if let r = inst.results.first(where: { $0.index < 0 || $0.index >= g.shapes.count }) {
        problems.append(
          "instruction \(i) (\(inst.op.mnemonic)) defines \(r), out of range of the \(g.shapes.count) values")
        continue
      }
      let operandShapes = inst.operands.map { $0.index < g.shapes.count ? g.shapes[$0.index] : [] }
      let declared = inst.results.first.map { g.shape(of: $0) }
      switch inst.op.resultShapes(for: operandShapes, declared: declared) {
      case .success(let shapes):
        for (r, s) in zip(inst.results, shapes) where g.shape(of: r) != s {
          problems.append("\(r) has shape \(g.shape(of: r)) but \(inst.op.mnemonic) gives \(s)")
        }
      case .failure(let e):
        problems.append("instruction \(i): \(e.message)")
      }
      for r in inst.results {
        if defined[r.index] { problems.append("\(r) is defined twice") }
        defined[r.index] = true
      }
    }
    for (name, v) in g.outputs where v.index >= defined.count || !defined[v.index] {
      problems.append("output \"\(name)\" (\(v)) is not defined")
    }
    return problems
  }
}
