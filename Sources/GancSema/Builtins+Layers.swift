import GancDiagnostics
import GancSource

extension BuiltinSignature {
  /// Convolutions, normalisation and the other layers of image and sequence models.
  static let layerList: [BuiltinSignature] = [
    convolution("conv2d", rank: 2, transposed: false, "a 2-D convolution over [B, H, W, C]"),
    convolution("conv_transpose2d", rank: 2, transposed: true, "a 2-D transposed convolution over [B, H, W, C]"),
    convolution("conv1d", rank: 1, transposed: false, "a 1-D convolution over [B, T, C]"),
    convolution("conv_transpose1d", rank: 1, transposed: true, "a 1-D transposed convolution over [B, T, C]"),
    BuiltinSignature(
      name: "batch_norm", category: .layer,
      summary: "normalises each channel (the last axis) over the batch; running statistics when sampling",
      operands: .exactly(1),
      options: [
        OptionSpec(
          "momentum", .number(min: 0, max: 1, openMin: true, openMax: false), .defaulted(.number(0.1)),
          "how fast the running statistics follow the batch, in (0, 1]"),
        OptionSpec(
          "eps", .number(min: 0, max: nil, openMin: true, openMax: false), .defaulted(.number(1e-5)),
          "added to the variance, > 0"),
      ],
      rule: { c, s in c.normalizationRule(s, batch: true) }),
    BuiltinSignature(
      name: "layer_norm", category: .layer, summary: "normalises each example over its last axis",
      operands: .exactly(1),
      options: [
        OptionSpec(
          "eps", .number(min: 0, max: nil, openMin: true, openMax: false), .defaulted(.number(1e-5)),
          "added to the variance, > 0")
      ],
      rule: { c, s in c.normalizationRule(s, batch: false) }),
    BuiltinSignature(
      name: "dropout", category: .layer, summary: "zeroes a fraction of the values while training",
      operands: .exactly(1),
      options: [
        OptionSpec(
          "rate", .number(min: 0, max: 1, openMin: false, openMax: true), .required,
          "the fraction zeroed, in [0, 1)")
      ],
      rule: { c, s in c.dropoutRule(s) }),
    BuiltinSignature(
      name: "upsample", category: .function, summary: "repeats each position `factor` times along each spatial axis",
      operands: .exactly(1), options: [OptionSpec("factor", .size, .defaulted(.size(.constant(2))), "the scale")],
      rule: { c, s in c.resampleRule(s, up: true) }),
    BuiltinSignature(
      name: "avg_pool", category: .function, summary: "the mean over `size`-wide windows along each spatial axis",
      operands: .exactly(1), options: [OptionSpec("size", .size, .defaulted(.size(.constant(2))), "the window")],
      rule: { c, s in c.resampleRule(s, up: false) }),
    BuiltinSignature(
      name: "max_pool", category: .function, summary: "the maximum over `size`-wide windows along each spatial axis",
      operands: .exactly(1), options: [OptionSpec("size", .size, .defaulted(.size(.constant(2))), "the window")],
      rule: { c, s in c.resampleRule(s, up: false, max: true) }),
    BuiltinSignature(
      name: "flatten", category: .function, summary: "every axis but the batch joined into one",
      operands: .exactly(1), options: [], rule: { c, s in c.flattenRule(s) }),
    recurrent(.gru, "a GRU over the time axis of [B, T, F] (PyTorch's equations)"),
    recurrent(.lstm, "an LSTM over the time axis of [B, T, F] (PyTorch's equations)"),
    recurrent(.convGRU, "a convolutional GRU over frames [B, T, H, W, C]; its state is [B, H, W, filters]"),
    BuiltinSignature(
      name: "embedding", category: .layer, summary: "class labels to learnt vectors: [...] class(K) → [..., dim]",
      operands: .exactly(1), options: [OptionSpec("dim", .size, .required, "the vector width")],
      rule: { c, s in c.embeddingRule(s) }),
  ]

  private static func recurrent(_ cell: RecurrentSpec.Cell, _ summary: String) -> BuiltinSignature {
    var options = [
      OptionSpec(cell == .convGRU ? "filters" : "units", .size, .required, "the state's width"),
      OptionSpec("layers", .size, .defaulted(.size(.constant(1))), "stacked layers, each reading the one below"),
      OptionSpec(
        "sequences", .flag, .defaulted(.flag(true)),
        "true: every step's state [B, T, ...]; false: the last step's [B, ...]"),
    ]
    if cell == .convGRU {
      options.append(OptionSpec("kernel", .size, .defaulted(.size(.constant(3))), "the convolutions' kernel"))
    }
    return BuiltinSignature(
      name: cell.rawValue, category: .layer, summary: summary, operands: .exactly(1), options: options,
      rule: { c, s in c.recurrentRule(s, cell) })
  }

  private static func convolution(_ name: String, rank: Int, transposed: Bool, _ summary: String) -> BuiltinSignature {
    var options = [
      OptionSpec("filters", .size, .required, "output channels"),
      OptionSpec("kernel", .size, .required, "the kernel's size along each spatial axis"),
      OptionSpec("stride", .size, .defaulted(.size(.constant(1))), "the step between positions"),
      OptionSpec("padding", .count, .defaulted(.size(.constant(0))), "zeros added at each border"),
    ]
    if transposed {
      options.append(
        OptionSpec("output_padding", .count, .defaulted(.size(.constant(0))), "extra size on one side of the output"))
    }
    options.append(OptionSpec("in", .size, .optional, "the input channels it expects (checked when given)"))
    options.append(OptionSpec("bias", .flag, .defaulted(.flag(true)), "whether to add a bias"))
    return BuiltinSignature(
      name: name, category: .layer, summary: summary, operands: .exactly(1), options: options,
      rule: { c, s in c.convolutionRule(s, rank: rank, transposed: transposed) })
  }
}

// MARK: - Shape rules

extension Checker {
  /// The spatial axes of a convolution's input: `[B, H, W, C]` for rank 2, `[B, T, C]` for 1.
  private mutating func requireRank(_ x: TypedExpr, _ rank: Int, in s: CallSite) -> Bool {
    guard x.type.rank == rank + 2 else {
      let layout = rank == 2 ? "[B, H, W, C]" : "[B, T, C]"
      report(
        Diagnostic(
          .rankMismatch, "`\(s.name)` works on \(layout), but its input is \(x.type.explained)",
          at: Label(s.calleeRange, "expects \(rank + 2) axes"), secondary: originLabels(x),
          help: rank == 2
            ? "images are [batch, height, width, channels]; `reshape(x, B, 28, 28, 1)` turns flat pixels into one"
            : "sequences are [batch, time, channels]; `reshape(x, B, T, 1)` adds a channel axis"))
      return false
    }
    return true
  }

  /// `conv2d(x, filters, kernel:, stride:, padding:)` and the transposed and 1-D forms.
  /// A size that does not work out is E0112, with the arithmetic shown.
  mutating func convolutionRule(_ s: CallSite, rank: Int, transposed: Bool) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s), requireRank(x, rank, in: s) else { return nil }
    let filters = s.option("filters")!.size!
    let k = s.option("kernel")!.size!.value
    let stride = s.option("stride")!.size!.value
    let pad = s.option("padding")!.size!.value
    let outPad = s.option("output_padding")?.size?.value ?? 0
    let channels = x.type.shape.last!
    if let expected = s.option("in")?.size, expected != channels {
      report(
        Diagnostic(
          .layerInputWidth, "`\(s.name)` expects \(expected.value) input channels, but it gets \(channels.value)",
          at: Label(s.calleeRange, "expects \(describe(expected))"), secondary: originLabels(x),
          notes: bindingNote(for: [expected.expr, channels.expr]).map { [$0] } ?? [],
          help: "change `in:` to \(channels.value), or change what feeds this layer"))
    }
    if transposed && outPad >= stride {
      report(
        Diagnostic(
          .optionRange, "`output_padding` must be smaller than `stride` (\(stride)), not \(outPad)",
          at: Label(s.optionRanges["output_padding"] ?? s.calleeRange)))
      return nil
    }
    var shape = x.type.shape
    // Sizes beyond 2³¹ would overflow the arithmetic below; no real layer comes near.
    let limit = 1 << 31
    guard ([k, stride, pad, outPad] + shape[1...rank].map(\.value)).allSatisfy({ $0 < limit }) else {
      report(
        Diagnostic(.optionRange, "`\(s.name)`'s sizes are too large", at: Label(s.calleeRange, "too large")))
      return nil
    }
    for axis in 1...rank {
      let d = shape[axis]
      let n = d.value
      if transposed {
        let out = (n - 1) * stride - 2 * pad + k + outPad
        guard out > 0 else {
          report(
            convDiagnostic(
              s, x, axis: axis,
              "(\(n) − 1) × \(stride) − 2 × \(pad) + \(k)\(outPad > 0 ? " + \(outPad)" : "") = \(out), which is not a size",
              help: "use less padding"))
          return nil
        }
        shape[axis] = Dim(.constant(out), value: out)
      } else {
        let span = n + 2 * pad - k
        guard span >= 0, span % stride == 0 else {
          let exact = Double(span) / Double(stride) + 1
          var help = "use a padding or stride that divides evenly"
          if let p = (0...k).first(where: { (n + 2 * $0 - k) >= 0 && (n + 2 * $0 - k) % stride == 0 }) {
            help = "with `padding: \(p)` the output is \((n + 2 * p - k) / stride + 1)"
          }
          report(
            convDiagnostic(
              s, x, axis: axis,
              span < 0
                ? "the kernel (\(k)) is wider than the padded input (\(n) + 2 × \(pad) = \(n + 2 * pad))"
                : "(\(n) + 2 × \(pad) − \(k)) / \(stride) + 1 = \(format(exact)) positions, not a whole number",
              help: help))
          return nil
        }
        shape[axis] = Dim(.constant(span / stride + 1), value: span / stride + 1)
      }
    }
    if let batch = batchName, filters.expr.names.contains(batch) {
      report(
        Diagnostic(
          .batchDimInParameter, "the batch dimension `\(batch)` cannot size a layer",
          at: Label(s.optionRanges["filters"] ?? s.calleeRange, "uses `\(batch)`")))
      return nil
    }
    guard let instance = newLayerInstance(s.name, at: s.calleeRange) else { return nil }
    let kernelShape = rank == 2 ? [k, k] : [1, k]
    let c = channels.value
    let o = filters.value
    // Weights [kh, kw, large-side channels, small-side channels]: for a convolution the
    // input is the large side; for a transposed one, the output.
    let weightShape = transposed ? kernelShape + [o, c] : kernelShape + [c, o]
    // PyTorch's default: uniform in ±1/sqrt(fan-in), where a transposed convolution's
    // fan-in is computed from its output channels.
    let fanIn = saturatingProduct([transposed ? o : c] + kernelShape)
    let bias = s.option("bias")!.flag!
    var params = [
      ParameterSpec(name: instance + ".weight", shape: weightShape, initializer: .uniformFanIn(fanIn: fanIn))
    ]
    if bias {
      params.append(ParameterSpec(name: instance + ".bias", shape: [o], initializer: .uniformFanIn(fanIn: fanIn)))
    }
    addParameters(params)
    shape[shape.count - 1] = filters
    let type = ValueType(shape)
    let spec = ConvolutionSpec(
      rank: rank, transposed: transposed, inChannels: c, filters: o, kernel: k, stride: stride, padding: pad,
      outputPadding: outPad, bias: bias)
    return TypedExpr(
      .operation(.convolution(instance: instance, spec), [x]), type, s.range,
      origin: Label(s.calleeRange, "`\(s.name)` gives \(type.explained)"))
  }

  private func convDiagnostic(_ s: CallSite, _ x: TypedExpr, axis: Int, _ arithmetic: String, help: String)
    -> Diagnostic
  {
    let name = x.type.rank == 4 ? (axis == 1 ? "height" : "width") : "length"
    return Diagnostic(
      .convolutionArithmetic,
      "`\(s.name)` does not fit the input's \(name) \(describe(x.type.shape[axis])): \(arithmetic)",
      at: Label(s.calleeRange, "on \(x.type.explained)"), secondary: originLabels(x),
      notes: [
        "output size = (input + 2 × padding − kernel) / stride + 1"
          + (s.name.contains("transpose")
            ? "; transposed: (input − 1) × stride − 2 × padding + kernel + output_padding" : "")
      ],
      help: help)
  }

  private func format(_ v: Double) -> String {
    v == v.rounded() ? String(Int(v)) : String((v * 100).rounded() / 100)
  }

  /// `batch_norm(x)` (statistics over every axis but the last) and `layer_norm(x)` (over
  /// the last): the shape is kept; scale and shift are parameters of the last axis.
  mutating func normalizationRule(_ s: CallSite, batch: Bool) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s) else { return nil }
    guard x.type.rank >= 2 else {
      report(
        Diagnostic(
          .rankMismatch, "`\(s.name)` needs a batch of vectors, but its input is \(x.type.explained)",
          at: Label(s.calleeRange), secondary: originLabels(x)))
      return nil
    }
    guard let instance = newLayerInstance(s.name, at: s.calleeRange) else { return nil }
    let c = x.type.shape.last!.value
    var params = [
      ParameterSpec(name: instance + ".scale", shape: [c], initializer: .ones),
      ParameterSpec(name: instance + ".shift", shape: [c], initializer: .zeros),
    ]
    let eps = s.option("eps")!.number!
    let op: Operation
    if batch {
      params.append(ParameterSpec(name: instance + ".running_mean", shape: [c], initializer: .zeros, trainable: false))
      params.append(ParameterSpec(name: instance + ".running_var", shape: [c], initializer: .ones, trainable: false))
      op = .batchNorm(instance: instance, momentum: s.option("momentum")!.number!, eps: eps)
    } else {
      op = .layerNorm(instance: instance, eps: eps)
    }
    addParameters(params)
    return TypedExpr(.operation(op, [x]), x.type, s.range, origin: x.origin)
  }

  mutating func dropoutRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s), let instance = newLayerInstance("dropout", at: s.calleeRange) else { return nil }
    return TypedExpr(
      .operation(.dropout(instance: instance, rate: s.option("rate")!.number!), [x]), x.type, s.range, origin: x.origin)
  }

  /// `upsample(x, factor)` and `avg_pool(x, size)` over `[B, H, W, C]` or `[B, T, C]`.
  mutating func resampleRule(_ s: CallSite, up: Bool, max: Bool = false) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s) else { return nil }
    guard x.type.rank == 3 || x.type.rank == 4 else {
      report(
        Diagnostic(
          .rankMismatch, "`\(s.name)` works on [B, H, W, C] or [B, T, C], but its input is \(x.type.explained)",
          at: Label(s.calleeRange), secondary: originLabels(x)))
      return nil
    }
    let f = s.option(up ? "factor" : "size")!.size!
    var shape = x.type.shape
    for axis in 1..<(x.type.rank - 1) {
      let d = shape[axis]
      if up {
        let (v, overflow) = d.value.multipliedReportingOverflow(by: f.value)
        guard !overflow else {
          report(Diagnostic(.optionRange, "`upsample` makes a size too large", at: Label(s.calleeRange)))
          return nil
        }
        shape[axis] = Dim(.multiply(d.expr, f.expr), value: v)
      } else {
        guard d.value % f.value == 0 else {
          report(
            Diagnostic(
              .convolutionArithmetic,
              "`\(s.name)` with windows of \(f.value) needs sizes that divide by \(f.value), but axis \(axis) is \(describe(d))",
              at: Label(s.calleeRange, "on \(x.type.explained)"), secondary: originLabels(x),
              help: "pad or crop the input to a multiple of \(f.value), or choose another window"))
          return nil
        }
        shape[axis] = Dim(.divide(d.expr, f.expr), value: d.value / f.value)
      }
    }
    let type = ValueType(shape)
    let op: Operation = up ? .upsample(factor: f.value) : max ? .maxPool(size: f.value) : .averagePool(size: f.value)
    return TypedExpr(
      .operation(op, [x]), type, s.range, origin: Label(s.calleeRange, "`\(s.name)` gives \(type.explained)"))
  }

  mutating func flattenRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    guard x.type.rank >= 2 else {
      report(
        Diagnostic(
          .rankMismatch, "`flatten` keeps the batch axis, so it needs at least 2 axes", at: Label(s.calleeRange)))
      return nil
    }
    let rest = x.type.shape.dropFirst()
    let joined = rest.dropFirst().reduce(rest.first!) {
      Dim(.multiply($0.expr, $1.expr), value: $0.value.multipliedReportingOverflow(by: $1.value).partialValue)
    }
    let type = ValueType([x.type.shape[0], joined], classes: x.type.classes)
    return TypedExpr(
      .operation(.reshape, [x]), type, s.range, origin: Label(s.calleeRange, "`flatten` gives \(type.explained)"))
  }

  /// `embedding(labels, dim)`: a learnt vector per class.
  mutating func embeddingRule(_ s: CallSite) -> TypedExpr? {
    let y = s.operands[0]
    guard let classes = y.type.classes else {
      report(
        Diagnostic(
          .notAClassTensor, "`embedding` needs class labels, but this is a tensor of numbers \(y.type.description)",
          at: Label(y.range, "not class labels"), secondary: originLabels(y),
          help: "declare the input with a class count, as in `[B, T] class(128)`"))
      return nil
    }
    let dim = s.option("dim")!.size!
    guard let instance = newLayerInstance("embedding", at: s.calleeRange) else { return nil }
    // PyTorch's default for embeddings is N(0, 1); ±1 uniform is close in scale and keeps
    // one initialiser family.
    addParameters([
      ParameterSpec(name: instance + ".table", shape: [classes.value, dim.value], initializer: .uniformFanIn(fanIn: 1))
    ])
    let type = ValueType(y.type.shape + [dim])
    return TypedExpr(
      .operation(.embedding(instance: instance, classes: classes.value, dim: dim.value), [y]), type, s.range,
      origin: Label(s.calleeRange, "`embedding` gives \(type.explained)"))
  }

  /// `gru(x, units, layers:, sequences:)` over `[B, T, F]`, `conv_gru2d(x, filters, ...)` over
  /// `[B, T, H, W, C]`: the output has `units` (or `filters`) in place of the features,
  /// and loses the time axis when `sequences` is false.
  mutating func recurrentRule(_ s: CallSite, _ cell: RecurrentSpec.Cell) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s) else { return nil }
    let rank = cell == .convGRU ? 5 : 3
    guard x.type.rank == rank else {
      let layout = cell == .convGRU ? "[B, T, H, W, C]" : "[B, T, F]"
      report(
        Diagnostic(
          .rankMismatch, "`\(s.name)` works on sequences \(layout), but its input is \(x.type.explained)",
          at: Label(s.calleeRange, "expects \(rank) axes"), secondary: originLabels(x),
          help: cell == .convGRU
            ? "frames are [batch, time, height, width, channels]" : "add a feature axis with `reshape(x, B, T, 1)`"))
      return nil
    }
    let units = s.option(cell == .convGRU ? "filters" : "units")!.size!
    let layers = s.option("layers")!.size!.value
    let sequences = s.option("sequences")!.flag!
    let kernel = s.option("kernel")?.size?.value ?? 0
    if cell == .convGRU, kernel % 2 == 0 {
      report(
        Diagnostic(
          .convolutionArithmetic, "`conv_gru2d` keeps the frame's size, which takes an odd kernel, not \(kernel)",
          at: Label(s.optionRanges["kernel"] ?? s.calleeRange), help: "use `kernel: \(kernel + 1)`"))
      return nil
    }
    guard let instance = newLayerInstance(s.name, at: s.calleeRange) else { return nil }
    let f = x.type.shape.last!.value
    let h = units.value
    let spec = RecurrentSpec(cell: cell, inFeatures: f, units: h, layers: layers, sequences: sequences, kernel: kernel)
    var params: [ParameterSpec] = []
    for l in 0..<layers {
      let inWidth = l == 0 ? f : h
      let prefix = "\(instance).layer\(l)"
      if cell == .convGRU {
        // Gates z and r from [x, h]; the candidate from [x, r ⊙ h].
        let fanIn = saturatingProduct([kernel, kernel, inWidth &+ h])
        params += [
          ParameterSpec(
            name: prefix + ".gates", shape: [kernel, kernel, inWidth &+ h, 2 &* h],
            initializer: .uniformFanIn(fanIn: fanIn)),
          ParameterSpec(name: prefix + ".gates_bias", shape: [2 &* h], initializer: .uniformFanIn(fanIn: fanIn)),
          ParameterSpec(
            name: prefix + ".candidate", shape: [kernel, kernel, inWidth &+ h, h],
            initializer: .uniformFanIn(fanIn: fanIn)),
          ParameterSpec(name: prefix + ".candidate_bias", shape: [h], initializer: .uniformFanIn(fanIn: fanIn)),
        ]
      } else {
        // PyTorch's initialisation: every weight and bias uniform in ±1/sqrt(units).
        let g = spec.gates &* h
        params += [
          ParameterSpec(name: prefix + ".input_weight", shape: [inWidth, g], initializer: .uniformFanIn(fanIn: h)),
          ParameterSpec(name: prefix + ".input_bias", shape: [g], initializer: .uniformFanIn(fanIn: h)),
          ParameterSpec(name: prefix + ".state_weight", shape: [h, g], initializer: .uniformFanIn(fanIn: h)),
          ParameterSpec(name: prefix + ".state_bias", shape: [g], initializer: .uniformFanIn(fanIn: h)),
        ]
      }
    }
    addParameters(params)
    var shape = x.type.shape
    shape[shape.count - 1] = units
    if !sequences { shape.remove(at: 1) }
    let type = ValueType(shape)
    return TypedExpr(
      .operation(.recurrent(instance: instance, spec), [x]), type, s.range,
      origin: Label(s.calleeRange, "`\(s.name)` gives \(type.explained)"))
  }
}
