import GancDiagnostics
import GancSource

/// The kinds of value a layer or function option takes.
public enum OptionKind: Sendable, Hashable {
  /// A positive integer size, which may be written with declared dims (`Z`, `2 * K`).
  case size
  /// A real number in a range; `open` ends exclude the bound.
  case number(min: Double?, max: Double?, openMin: Bool, openMax: Bool)
  /// `true` or `false`.
  case flag
  /// Every remaining positional argument, each a size: the shape of `reshape`.
  case sizes
  /// An axis: its index (negative counts from the end) or the name of its dimension (`B`).
  case axis
  /// A whole number, zero or more (padding).
  case count
  /// Every remaining positional argument, each a whole number, zero or more: an order of axes.
  case indices

  /// Whether the option takes every remaining positional argument.
  var isVariadic: Bool { self == .sizes || self == .indices }
}

/// An axis as written: resolved against the operand's shape by the rule that uses it.
public enum AxisReference: Sendable, Hashable {
  case index(Int)
  case named(String)
}

public enum OptionValue: Sendable, Hashable {
  case size(Dim)
  case number(Double)
  case flag(Bool)
  case sizes([Dim])
  case axis(AxisReference)

  public var size: Dim? { if case .size(let d) = self { d } else { nil } }
  public var number: Double? { if case .number(let v) = self { v } else { nil } }
  public var flag: Bool? { if case .flag(let b) = self { b } else { nil } }
  public var sizes: [Dim]? { if case .sizes(let d) = self { d } else { nil } }
  public var axis: AxisReference? { if case .axis(let a) = self { a } else { nil } }
}

/// An option of a built-in: its name, kind, whether it must be given, and its meaning.
public struct OptionSpec: Sendable {
  public enum Presence: Sendable, Hashable {
    case required
    /// May be left out, and then has no value.
    case optional
    /// May be left out, and then has this value.
    case defaulted(OptionValue)
  }

  public var name: String
  public var kind: OptionKind
  public var presence: Presence
  public var help: String

  public init(_ name: String, _ kind: OptionKind, _ presence: Presence = .required, _ help: String) {
    self.name = name
    self.kind = kind
    self.presence = presence
    self.help = help
  }
}

/// A call of a built-in as the shape rule sees it: operands already checked, options
/// already validated against the signature.
public struct CallSite: Sendable {
  public var name: String
  public var range: SourceRange
  /// The callee, or for `x |> f(...)` the stage `f(...)`: where a layer's error points.
  public var calleeRange: SourceRange
  public var operands: [TypedExpr]
  public var options: [String: OptionValue]
  public var optionRanges: [String: SourceRange]

  public func option(_ name: String) -> OptionValue? { options[name] }
}

/// A layer or function of the language: its operands, options and shape rule.
///
/// This table is the one place that says what each built-in accepts and what shape it
/// gives; the grammar only knows that it is a call.
public struct BuiltinSignature: Sendable {
  public enum Arity: Sendable {
    case exactly(Int)
    case atLeast(Int)

    public var minimum: Int {
      switch self {
      case .exactly(let n), .atLeast(let n): n
      }
    }
  }

  public enum Category: String, Sendable {
    case layer, activation, function, loss, metric
  }

  public var name: String
  public var category: Category
  public var summary: String
  public var operands: Arity
  public var options: [OptionSpec]
  /// Checks the operands and gives the typed result, or reports and returns nil.
  var rule: @Sendable (inout Checker, CallSite) -> TypedExpr?
}

extension BuiltinSignature {
  /// Every built-in, by name.
  public static let all: [String: BuiltinSignature] = Dictionary(
    uniqueKeysWithValues: list.map { ($0.name, $0) })

  /// What PyTorch, Keras, TensorFlow and JAX call some built-ins (lower-cased), so that
  /// `linear(128)` or `cat(a, b)` is answered with ganc's name rather than nothing.
  public static let foreignNames: [String: String] = [
    "linear": "dense", "fc": "dense", "fully_connected": "dense",
    "cat": "concat", "concatenate": "concat", "hstack": "concat",
    "lrelu": "leaky_relu",
    "view": "reshape", "flatten": "reshape",
    "stop_gradient": "detach",
    "reduce_mean": "mean", "reduce_sum": "sum",
    "bcewithlogitsloss": "bce_logits", "bce_with_logits": "bce_logits",
    "binary_cross_entropy_with_logits": "bce_logits", "sigmoid_cross_entropy_with_logits": "bce_logits",
    "bceloss": "bce", "binary_cross_entropy": "bce", "binary_crossentropy": "bce",
    "mseloss": "mse", "mse_loss": "mse", "mean_squared_error": "mse",
    "l1loss": "l1", "l1_loss": "l1", "mean_absolute_error": "l1",
  ]

  static let list: [BuiltinSignature] = coreList + layerList

  static let coreList: [BuiltinSignature] = [
    BuiltinSignature(
      name: "dense", category: .layer, summary: "a fully connected layer over the last axis: x · W + b",
      operands: .exactly(1),
      options: [
        OptionSpec("units", .size, .required, "the output width"),
        OptionSpec("in", .size, .optional, "the input width it expects (checked when given)"),
        OptionSpec("bias", .flag, .defaulted(.flag(true)), "whether to add a bias"),
      ],
      rule: { c, s in c.denseRule(s) }),
    activation("relu", "max(x, 0)", .relu),
    BuiltinSignature(
      name: "leaky_relu", category: .activation, summary: "x for x > 0, slope · x otherwise",
      operands: .exactly(1),
      options: [
        OptionSpec(
          "slope", .number(min: 0, max: 1, openMin: true, openMax: true), .defaulted(.number(0.2)),
          "the slope for negative inputs, in (0, 1)")
      ],
      rule: { c, s in c.elementwiseRule(s, .activation(.leakyRelu(slope: s.option("slope")!.number!))) }),
    activation("tanh", "the hyperbolic tangent, into (-1, 1)", .tanh),
    activation("sigmoid", "1 / (1 + e^-x), into (0, 1)", .sigmoid),
    BuiltinSignature(
      name: "concat", category: .function, summary: "joins tensors along an axis (the last unless `axis` says which)",
      operands: .atLeast(2),
      options: [OptionSpec("axis", .axis, .optional, "the axis to join along: an index, or a dimension's name")],
      rule: { c, s in c.concatRule(s) }),
    BuiltinSignature(
      name: "one_hot", category: .function, summary: "class labels to one-hot rows",
      operands: .exactly(1),
      options: [OptionSpec("classes", .size, .optional, "the class count (checked against the labels'; optional)")],
      rule: { c, s in c.oneHotRule(s) }),
    BuiltinSignature(
      name: "reshape", category: .function, summary: "the same values in another shape (same element count)",
      operands: .exactly(1), options: [OptionSpec("shape", .sizes, .required, "the new shape, batch first")],
      rule: { c, s in c.reshapeRule(s) }),
    BuiltinSignature(
      name: "squeeze", category: .function, summary: "drops an axis of size 1 (the last, unless `axis` says which)",
      operands: .exactly(1),
      options: [OptionSpec("axis", .size, .optional, "which axis, counting from 0 (must not be the batch)")],
      rule: { c, s in c.squeezeRule(s) }),
    BuiltinSignature(
      name: "detach", category: .function, summary: "the same value, through which no gradient flows",
      operands: .exactly(1), options: [], rule: { c, s in c.elementwiseRule(s, .detach, allowLabels: true) }),
    reduction(.mean, "the mean of all elements, or over one axis"),
    reduction(.sum, "the sum of all elements, or over one axis"),
    reduction(.variance, "the variance (divided by n) of all elements, or over one axis"),
    reduction(.std, "the standard deviation (square root of the variance), of all elements or over one axis"),
    math(.abs, "|x|"),
    math(.sqrt, "the square root (of positive values)"),
    math(.exp, "e^x"),
    math(.log, "the natural logarithm (of positive values)"),
    math(.square, "x²"),
    BuiltinSignature(
      name: "softmax", category: .activation, summary: "e^x / Σ e^x over the last axis: a distribution",
      operands: .exactly(1), options: [], rule: { c, s in c.elementwiseRule(s, .softmax) }),
    BuiltinSignature(
      name: "argmax", category: .metric,
      summary: "the index of the largest entry of the last axis, as class labels (in samples and metrics only)",
      operands: .exactly(1), options: [], rule: { c, s in c.argmaxRule(s) }),
    BuiltinSignature(
      name: "accuracy", category: .metric,
      summary: "the share of logits on the right side of 0 for targets 0 or 1 (in `metric` lines only)",
      operands: .exactly(2), options: [], rule: { c, s in c.accuracyRule(s) }),
    loss(.bceLogits, "binary cross-entropy of logits against targets (mean)"),
    loss(.bce, "binary cross-entropy of probabilities against targets (mean)"),
    loss(.mse, "mean squared error"),
    loss(.l1, "mean absolute error"),
    loss(.hinge, "the hinge loss mean(max(0, 1 − t·p)) for targets 1 (real) and −1 (fake)"),
    loss(.wasserstein, "the Wasserstein critic's loss mean(−t·p) for targets 1 (real) and −1 (fake)"),
    BuiltinSignature(
      name: "transpose", category: .function,
      summary: "the axes in a new order: `transpose(x, 0, 2, 1)` swaps the last two (the batch stays first)",
      operands: .exactly(1), options: [OptionSpec("order", .indices, .required, "the input axis for each output axis")],
      rule: { c, s in c.transposeRule(s) }),
  ]

  private static func activation(_ name: String, _ summary: String, _ kind: ActivationKind) -> BuiltinSignature {
    BuiltinSignature(
      name: name, category: .activation, summary: summary, operands: .exactly(1), options: [],
      rule: { c, s in c.elementwiseRule(s, .activation(kind)) })
  }

  private static func reduction(_ r: Reduction, _ summary: String) -> BuiltinSignature {
    BuiltinSignature(
      name: r.rawValue, category: .function, summary: summary, operands: .exactly(1),
      options: [
        OptionSpec("axis", .axis, .optional, "the axis to reduce: an index, or a dimension's name"),
        OptionSpec("over", .axis, .optional, "the same as `axis`: `mean(x, over: B)` reads as the batch mean"),
      ],
      rule: { c, s in c.reductionRule(s, r) })
  }

  private static func math(_ f: MathFunction, _ summary: String) -> BuiltinSignature {
    BuiltinSignature(
      name: f.rawValue, category: .function, summary: summary, operands: .exactly(1), options: [],
      rule: { c, s in c.elementwiseRule(s, .math(f)) })
  }

  private static func loss(_ kind: LossKind, _ summary: String) -> BuiltinSignature {
    BuiltinSignature(
      name: kind.rawValue, category: .loss, summary: summary, operands: .exactly(2), options: [],
      rule: { c, s in c.lossRule(s, kind) })
  }
}

// MARK: - Shape rules

extension Checker {
  /// `dense(x, units, in:, bias:)`: `[..., n] → [..., units]`, with parameters
  /// `weight [n, units]` and `bias [units]` owned by the enclosing network.
  mutating func denseRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s) else { return nil }
    guard x.type.rank >= 2 else {
      report(
        Diagnostic(
          .rankMismatch, "`dense` needs a batch of rows, but its input has shape \(x.type.description)",
          at: Label(s.calleeRange, "expects at least 2 dimensions"), secondary: originLabels(x)))
      return nil
    }
    let width = x.type.shape.last!
    let units = s.option("units")!.size!
    if let expected = s.option("in")?.size, expected != width {
      var notes: [String] = []
      if let n = bindingNote(for: [expected.expr, width.expr]) { notes.append(n) }
      report(
        Diagnostic(
          .layerInputWidth,
          "`dense` expects an input of width \(expected.value), but it gets width \(width.value)",
          at: Label(s.calleeRange, "expects width \(describe(expected))"),
          secondary: originLabels(x), notes: notes,
          help: "change `in:` to \(width.value), or change what feeds this layer"))
      // Go on as if the input had the expected width, so later layers are still checked.
    }
    if let batch = batchName, units.expr.names.contains(batch) {
      report(
        Diagnostic(
          .batchDimInParameter, "the batch dimension `\(batch)` cannot size a layer",
          at: Label(s.optionRanges["units"] ?? s.calleeRange, "uses `\(batch)`"),
          help: "a layer's size must not change with the batch; use a `dim`"))
      return nil
    }
    guard let instance = newLayerInstance("dense", at: s.calleeRange) else { return nil }
    let bias = s.option("bias")!.flag!
    var params = [
      ParameterSpec(
        name: instance + ".weight", shape: [width.value, units.value], initializer: .uniformFanIn(fanIn: width.value))
    ]
    if bias {
      params.append(
        ParameterSpec(name: instance + ".bias", shape: [units.value], initializer: .uniformFanIn(fanIn: width.value)))
    }
    addParameters(params)
    var shape = x.type.shape
    shape[shape.count - 1] = units
    let type = ValueType(shape)
    let stageText = file.text(in: s.calleeRange)
    return TypedExpr(
      .operation(.dense(instance: instance, inFeatures: width.value, units: units.value, bias: bias), [x]), type,
      s.range, origin: Label(s.calleeRange, "`\(stageText)` gives \(type.explained)"))
  }

  /// An op that keeps its operand's shape (activations, `detach`).
  mutating func elementwiseRule(_ s: CallSite, _ op: Operation, allowLabels: Bool = false) -> TypedExpr? {
    let x = s.operands[0]
    if !allowLabels { guard requireReal(x, in: s) else { return nil } }
    return TypedExpr(.operation(op, [x]), x.type, s.range, origin: x.origin)
  }

  /// `reshape(x, B / 2, 4)`: the same elements, row-major, in a new shape.
  mutating func reshapeRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    let dims = s.option("shape")!.sizes!
    let type = ValueType(dims, classes: x.type.classes)
    guard type.elementCount == x.type.elementCount else {
      var notes: [String] = []
      if let n = bindingNote(for: (dims + x.type.shape).map(\.expr)) { notes.append(n) }
      report(
        Diagnostic(
          .layoutMismatch,
          "`reshape` keeps every element, but \(x.type.explained) has \(x.type.elementCount) and \(type.explained) has \(type.elementCount)",
          at: Label(s.optionRanges["shape"] ?? s.calleeRange, "\(type.elementCount) elements"),
          secondary: [Label(x.range, "\(x.type.elementCount) elements")] + originLabels(x), notes: notes))
      return nil
    }
    return TypedExpr(
      .operation(.reshape, [x]), type, s.range, origin: Label(s.calleeRange, "`reshape` gives \(type.explained)"))
  }

  /// `squeeze(x)`: `[..., 1] → [...]`. Unlike PyTorch's, it drops exactly one named axis,
  /// never the batch, so a batch of one does not silently lose its batch axis.
  mutating func squeezeRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    let axis = s.option("axis")?.size?.value ?? (x.type.rank - 1)
    guard x.type.rank >= 2, axis >= 1, axis < x.type.rank else {
      report(
        Diagnostic(
          .rankMismatch,
          x.type.rank < 2
            ? "`squeeze` would remove the batch axis of \(x.type.description)"
            : "`squeeze` axis \(axis) is not one of the non-batch axes 1..<\(x.type.rank) of \(x.type.description)",
          at: Label(s.optionRanges["axis"] ?? s.calleeRange), secondary: originLabels(x)))
      return nil
    }
    guard x.type.shape[axis].value == 1 else {
      report(
        Diagnostic(
          .layoutMismatch,
          "`squeeze` removes an axis of size 1, but axis \(axis) of \(x.type.explained) has size \(x.type.shape[axis].value)",
          at: Label(s.optionRanges["axis"] ?? s.calleeRange, "axis \(axis) has size \(x.type.shape[axis].value)"),
          secondary: [Label(x.range, "has shape \(x.type.description)")] + originLabels(x),
          notes: bindingNote(for: x.type.shape.map(\.expr)).map { [$0] } ?? [],
          help: "only an axis of size 1 can be squeezed; `reshape` changes a shape otherwise"))
      return nil
    }
    var shape = x.type.shape
    shape.remove(at: axis)
    let type = ValueType(shape, classes: x.type.classes)
    return TypedExpr(
      .operation(.reshape, [x]), type, s.range, origin: Label(s.calleeRange, "`squeeze` gives \(type.explained)"))
  }

  /// `mean(x)` is a scalar; `mean(x, over: B)` drops the axis named `B`.
  mutating func reductionRule(_ s: CallSite, _ r: Reduction) -> TypedExpr? {
    let x = s.operands[0]
    guard requireReal(x, in: s) else { return nil }
    if s.option("axis") != nil, s.option("over") != nil {
      report(
        Diagnostic(
          .duplicateOption, "`axis` and `over` say the same thing; give one", at: Label(s.optionRanges["over"]!),
          secondary: [Label(s.optionRanges["axis"]!, "also given here")]))
      return nil
    }
    guard let ref = (s.option("axis") ?? s.option("over"))?.axis else {
      switch r {
      case .mean: return TypedExpr(.operation(.mean, [x]), .scalar, s.range)
      case .sum: return TypedExpr(.operation(.sum, [x]), .scalar, s.range)
      default: return TypedExpr(.operation(.reduce(r, axis: nil), [x]), .scalar, s.range)
      }
    }
    let optionRange = s.optionRanges["axis"] ?? s.optionRanges["over"] ?? s.calleeRange
    guard let axis = resolveAxis(ref, of: x, at: optionRange, in: s.name) else { return nil }
    var shape = x.type.shape
    shape.remove(at: axis)
    let type = ValueType(shape)
    return TypedExpr(
      .operation(.reduce(r, axis: axis), [x]), type, s.range,
      origin: Label(s.calleeRange, "`\(s.name)` over axis \(axis) gives \(type.explained)"))
  }

  /// The index of the axis `ref` names in `x`'s shape, or nil after reporting.
  mutating func resolveAxis(
    _ ref: AxisReference, of x: TypedExpr, at range: SourceRange, in callee: String, extra: Int = 0
  )
    -> Int?
  {
    let rank = x.type.rank + extra
    switch ref {
    case .index(let i):
      let a = i < 0 ? rank + i : i
      guard a >= 0, a < rank else {
        report(
          Diagnostic(
            .optionRange, "`\(callee)` has no axis \(i): \(x.type.description) has \(x.type.rank) axes",
            at: Label(range, "no axis \(i)"), secondary: originLabels(x),
            help: "axes count from 0 (the batch); negative ones from the end"))
        return nil
      }
      return a
    case .named(let n):
      if let a = x.type.shape.firstIndex(where: { $0.expr == .named(n) }) { return a }
      report(
        Diagnostic(
          .optionRange, "`\(callee)` over `\(n)`: no axis of \(x.type.description) is `\(n)`",
          at: Label(range, "not an axis here"), secondary: originLabels(x),
          help: "name a dimension that appears in the shape, or give the axis's index"))
      return nil
    }
  }

  /// `concat(a, b, ...)`: equal shapes but for the last axis, whose sizes add.
  mutating func concatRule(_ s: CallSite) -> TypedExpr? {
    for x in s.operands {
      if x.type.isClassLabels {
        report(
          Diagnostic(
            .notAClassTensor, "`concat` joins numbers, but this operand holds class labels \(x.type.description)",
            at: Label(x.range, "class labels"), secondary: originLabels(x),
            help: "turn the labels into numbers first, with `one_hot(\(file.text(in: x.range)))`"))
        return nil
      }
    }
    let first = s.operands[0]
    guard first.type.rank >= 1 else {
      report(Diagnostic(.rankMismatch, "`concat` cannot join scalars", at: Label(first.range, "a scalar")))
      return nil
    }
    var axis = first.type.rank - 1
    if let ref = s.option("axis")?.axis {
      guard let a = resolveAxis(ref, of: first, at: s.optionRanges["axis"] ?? s.calleeRange, in: "concat") else {
        return nil
      }
      axis = a
    }
    let along = axis == first.type.rank - 1 ? "the last axis" : "axis \(axis)"
    for x in s.operands.dropFirst() {
      let others = { (t: ValueType) in t.shape.enumerated().filter { $0.offset != axis }.map(\.element) }
      if x.type.rank != first.type.rank || others(x.type) != others(first.type) {
        report(
          Diagnostic(
            .layoutMismatch,
            "`concat` joins along \(along), so the other dimensions must match, but \(first.type.explained) and \(x.type.explained) differ",
            at: Label(x.range, "has shape \(x.type.description)"),
            secondary: [Label(first.range, "has shape \(first.type.description)")] + originLabels(first)
              + originLabels(x),
            notes: bindingNote(for: (first.type.shape + x.type.shape).map(\.expr)).map { [$0] } ?? [],
            help: "all operands need the same shape except along \(along)"))
        return nil
      }
    }
    var joined = first.type.shape[axis]
    for x in s.operands.dropFirst() {
      let d = x.type.shape[axis]
      let (sum, overflow) = joined.value.addingReportingOverflow(d.value)
      joined = Dim(.add(joined.expr, d.expr), value: overflow ? Int.max : sum)
    }
    var shape = first.type.shape
    shape[axis] = joined
    let type = ValueType(shape)
    return TypedExpr(
      .operation(.concat(axis: axis), s.operands), type, s.range,
      origin: Label(s.range, "`concat` gives \(type.explained)"))
  }

  /// `one_hot(y)`: labels `[...] class(K)` to `[..., K]`.
  mutating func oneHotRule(_ s: CallSite) -> TypedExpr? {
    let y = s.operands[0]
    guard let classes = y.type.classes else {
      report(
        Diagnostic(
          .notAClassTensor, "`one_hot` needs class labels, but this is a tensor of numbers \(y.type.description)",
          at: Label(y.range, "not class labels"), secondary: originLabels(y),
          help: "declare the input with a class count, as in `[B] class(10)`"))
      return nil
    }
    if let k = s.option("classes")?.size, k != classes {
      report(
        Diagnostic(
          .classCountMismatch, "`one_hot` is told \(k.value) classes, but its labels have \(classes.value)",
          at: Label(s.optionRanges["classes"] ?? s.calleeRange, "\(k.value) classes"),
          secondary: originLabels(y),
          help: "use `classes: \(classes.description)` or drop the option; the count comes from the labels"))
      return nil
    }
    let type = ValueType(y.type.shape + [classes])
    return TypedExpr(
      .operation(.oneHot(classes: classes.value), [y]), type, s.range,
      origin: Label(s.range, "`one_hot` gives \(type.explained)"))
  }

  /// A loss: two real tensors of one shape (or a scalar target) to a scalar mean.
  mutating func lossRule(_ s: CallSite, _ kind: LossKind) -> TypedExpr? {
    let a = s.operands[0]
    let b = s.operands[1]
    guard requireReal(a, in: s), requireReal(b, in: s) else { return nil }
    if a.type.isScalar {
      report(
        Diagnostic(
          .rankMismatch, "the first operand of `\(kind.rawValue)` is a scalar; it should be the prediction",
          at: Label(a.range, "a scalar"), help: "write the prediction first and the target second"))
      return nil
    }
    if !b.type.isScalar && b.type.shape != a.type.shape {
      if let d = shiftedSliceDiagnostic(a, b, comparing: "`\(kind.rawValue)`") {
        report(d)
        return nil
      }
      var help = "make both operands the same shape"
      if a.type.rank == b.type.rank + 1, a.type.shape.last?.value == 1 {
        help = "the prediction has a trailing dimension of 1 that the target lacks; give both the same shape"
      } else if b.type.rank == a.type.rank + 1, b.type.shape.last?.value == 1 {
        help = "the target has a trailing dimension of 1 that the prediction lacks; give both the same shape"
      }
      report(
        Diagnostic(
          .shapeMismatch,
          "`\(kind.rawValue)` compares \(a.type.explained) with \(b.type.explained); the shapes must be equal (or the target a single number)",
          at: Label(b.range, "has shape \(b.type.description)"),
          secondary: [Label(a.range, "has shape \(a.type.description)")] + originLabels(a) + originLabels(b),
          notes: bindingNote(for: (a.type.shape + b.type.shape).map(\.expr)).map { [$0] } ?? [],
          help: help))
      return nil
    }
    return TypedExpr(.operation(.loss(kind), [a, b]), .scalar, s.range)
  }

  /// Reports class labels used where numbers are needed.
  mutating func requireReal(_ x: TypedExpr, in s: CallSite) -> Bool {
    guard x.type.isClassLabels else { return true }
    report(
      Diagnostic(
        .notAClassTensor,
        "`\(s.name)` needs numbers, but `\(file.text(in: x.range))` holds class labels \(x.type.description)",
        at: Label(x.range, "class labels"), secondary: originLabels(x),
        help: "turn labels into numbers with `one_hot(\(file.text(in: x.range)))`"))
    return false
  }

  /// When two operands differ only along an axis that one of them slices — `H[:, 1:, :]`
  /// against `H_hat[:, :-2, :]` — the problem is the shift, and the message says so.
  func shiftedSliceDiagnostic(_ a: TypedExpr, _ b: TypedExpr, comparing what: String) -> Diagnostic? {
    guard a.type.rank == b.type.rank else { return nil }
    let differing = (0..<a.type.rank).filter { a.type.shape[$0] != b.type.shape[$0] }
    guard differing.count == 1, let axis = differing.first else { return nil }
    func slicesAxis(_ e: TypedExpr) -> Bool {
      var cur = e
      while case .operation(let op, let xs) = cur.kind {
        if case .slice(let sa, _, _) = op, sa == axis { return true }
        guard case .slice = op, let x = xs.first else { return false }
        cur = x
      }
      return false
    }
    guard slicesAxis(a) || slicesAxis(b) else { return nil }
    let (da, db) = (a.type.shape[axis], b.type.shape[axis])
    return Diagnostic(
      .shiftedSliceMismatch,
      "\(what) compares slices of different lengths along axis \(axis): \(describe(da)) and \(describe(db))",
      at: Label(b.range, "\(describe(db)) long"), secondary: [Label(a.range, "\(describe(da)) long")],
      notes: bindingNote(for: [da.expr, db.expr]).map { [$0] } ?? [],
      help: "shift both by the same number of steps, e.g. `h[:, 1:, :]` against `h_hat[:, :-1, :]`")
  }

  /// `accuracy(logits, target)`: not differentiable, so only a `metric` may use it.
  mutating func accuracyRule(_ s: CallSite) -> TypedExpr? {
    guard inMetric else {
      report(
        Diagnostic(
          .notDifferentiable, "`accuracy` has no gradient, so it can only be measured, not trained",
          at: Label(s.calleeRange, "used outside a metric"),
          help: "declare it as a metric: `metric acc = accuracy(...)`; it is logged beside the losses"))
      return nil
    }
    let a = s.operands[0]
    let b = s.operands[1]
    guard requireReal(a, in: s), requireReal(b, in: s) else { return nil }
    guard b.type.isScalar || b.type.shape == a.type.shape else {
      report(
        Diagnostic(
          .shapeMismatch,
          "`accuracy` compares \(a.type.explained) with \(b.type.explained); the shapes must be equal (or the target a single number)",
          at: Label(b.range, "has shape \(b.type.description)"),
          secondary: [Label(a.range, "has shape \(a.type.description)")]))
      return nil
    }
    return TypedExpr(.operation(.accuracy, [a, b]), .scalar, s.range)
  }

  /// `argmax(x)`: `[..., K] → [...] class(K)`; no gradient, so samples and metrics only.
  mutating func argmaxRule(_ s: CallSite) -> TypedExpr? {
    guard inMetric else {
      report(
        Diagnostic(
          .notDifferentiable, "`argmax` has no gradient, so it can only be measured or sampled, not trained",
          at: Label(s.calleeRange, "used in a loss or network"),
          help: "use it in a `sample` line or a `metric`; a loss can compare the distribution itself"))
      return nil
    }
    let x = s.operands[0]
    guard requireReal(x, in: s), let k = x.type.shape.last, x.type.rank >= 2 else {
      if !x.type.isClassLabels {
        report(Diagnostic(.rankMismatch, "`argmax` needs a batch of vectors", at: Label(s.calleeRange)))
      }
      return nil
    }
    let type = ValueType(Array(x.type.shape.dropLast()), classes: k)
    return TypedExpr(
      .operation(.argmax, [x]), type, s.range, origin: Label(s.calleeRange, "`argmax` gives \(type.description)"))
  }

  /// `transpose(x, 0, 2, 1)`: output axis `i` is input axis `order[i]`; the batch axis
  /// must stay first.
  mutating func transposeRule(_ s: CallSite) -> TypedExpr? {
    let x = s.operands[0]
    let order = s.option("order")!.sizes!.map(\.value)
    guard order.count == x.type.rank, Set(order) == Set(0..<x.type.rank) else {
      report(
        Diagnostic(
          .layoutMismatch,
          "`transpose` needs an order of the \(x.type.rank) axes of \(x.type.description), each once, such as \((0..<x.type.rank).reversed().map(String.init).joined(separator: ", "))",
          at: Label(s.optionRanges["order"] ?? s.calleeRange), secondary: originLabels(x)))
      return nil
    }
    guard order.first == 0 else {
      report(
        Diagnostic(
          .layoutMismatch, "`transpose` keeps the batch axis first",
          at: Label(s.optionRanges["order"] ?? s.calleeRange),
          help: "start the order with 0"))
      return nil
    }
    let type = ValueType(order.map { x.type.shape[$0] }, classes: x.type.classes)
    return TypedExpr(
      .operation(.transpose(permutation: order), [x]), type, s.range,
      origin: Label(s.calleeRange, "`transpose` gives \(type.explained)"))
  }
}
