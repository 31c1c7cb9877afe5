import GancSema

/// `ganc check --shapes`: for every network, each layer's output shape and parameter count,
/// like Keras' `summary()`.
enum ShapeTable {
  static func render(_ model: Model) -> String {
    var out = ""
    var total = 0
    for net in model.nets {
      let inputs = net.inputs.map { "\($0.name): \($0.type.description)" }.joined(separator: ", ")
      out += "net \(net.name)(\(inputs)) -> \(net.output.description)\n"
      var rows: [(String, String, String)] = []
      var seen: Set<String> = []
      var visitedLocals: Set<String> = []
      func visit(_ e: TypedExpr) {
        switch e.kind {
        case .local(let n):
          if !visitedLocals.contains(n), let v = net.locals[n] {
            visitedLocals.insert(n)
            visit(v)
          }
          return
        case .block(let instance, _, _, let args):
          args.forEach(visit)
          let count = parameterCount(net.parameters.filter { $0.name.hasPrefix(instance + ".") })
          let short = instance.split(separator: ".").dropFirst().joined(separator: ".")
          rows.append(("\(short) (block)", e.type.explained, String(count)))
          return
        case .call(let callee, let args):
          args.forEach(visit)
          let count = model.net(named: callee).map { parameterCount($0.parameters) } ?? 0
          rows.append(("\(callee)(...)", e.type.explained, count > 0 ? "(\(count) in \(callee))" : ""))
          return
        case .operation(let op, let args):
          args.forEach(visit)
          var params = ""
          if let instance = op.instance, !seen.contains(instance) {
            seen.insert(instance)
            params = String(parameterCount(net.parameters.filter { $0.name.hasPrefix(instance + ".") }))
          }
          rows.append((describe(op), e.type.explained, params))
        default:
          return
        }
      }
      visit(net.body)
      let n = parameterCount(net.parameters)
      total += n
      rows.append(("total", "", String(n)))
      let w0 = max(5, rows.map(\.0.count).max() ?? 0)
      let w1 = max(6, rows.map(\.1.count).max() ?? 0)
      out += "  " + pad("layer", w0) + "  " + pad("output", w1) + "  parameters\n"
      for r in rows {
        out += ("  " + pad(r.0, w0) + "  " + pad(r.1, w1) + "  " + r.2).trimmingTrailingSpaces() + "\n"
      }
      out += "\n"
    }
    out += "\(total) parameters in \(model.nets.count) network\(model.nets.count == 1 ? "" : "s")\n"
    return out
  }

  static func parameterCount(_ ps: [ParameterSpec]) -> Int {
    ps.filter(\.trainable).reduce(0) { $0 + $1.shape.reduce(1, *) }
  }

  static func describe(_ op: Operation) -> String {
    switch op {
    case .dense(_, let i, let u, let bias): "dense(\(i) → \(u)\(bias ? "" : ", bias: false"))"
    case .activation(.relu): "relu"
    case .activation(.leakyRelu(let s)): "leaky_relu(\(s))"
    case .activation(.tanh): "tanh"
    case .activation(.sigmoid): "sigmoid"
    case .concat: "concat"
    case .slice(let a, let start, let n): "slice axis \(a) \(start)..<\(start + n)"
    case .math(let f): f.rawValue
    case .reduce(let r, let a): a.map { "\(r.rawValue) axis \($0)" } ?? r.rawValue
    case .oneHot(let k): "one_hot(\(k))"
    case .reshape: "reshape"
    case .detach: "detach"
    case .negate: "negate"
    case .add: "+"
    case .subtract: "-"
    case .multiply: "*"
    case .divide: "/"
    case .mean: "mean"
    case .sum: "sum"
    case .loss(let k): k.rawValue
    case .accuracy: "accuracy"
    case .softmax: "softmax"
    case .argmax: "argmax"
    case .transpose(let p): "transpose\(p)"
    case .convolution(_, let c):
      "conv\(c.transposed ? "_transpose" : "")\(c.rank)d(\(c.inChannels) → \(c.filters), k\(c.kernel) s\(c.stride) p\(c.padding))"
    case .batchNorm: "batch_norm"
    case .layerNorm: "layer_norm"
    case .dropout(_, let r): "dropout(\(r))"
    case .upsample(let f): "upsample(\(f))"
    case .averagePool(let k): "avg_pool(\(k))"
    case .maxPool(let k): "max_pool(\(k))"
    case .embedding(_, let k, let d): "embedding(\(k) → \(d))"
    case .recurrent(_, let r):
      "\(r.cell.rawValue)(\(r.inFeatures) → \(r.units)\(r.layers > 1 ? " × \(r.layers) layers" : ""))"
    }
  }

  private static func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
