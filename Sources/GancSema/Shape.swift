/// A dimension as the user wrote it: a constant, a declared `dim`, or arithmetic on them.
///
/// Shapes keep the expression as well as the value so a message can say
/// `[B, 64 + K] = [B, 74]`, and so the batch dimension can be rebound when sampling.
public indirect enum DimExpr: Hashable, Sendable, CustomStringConvertible {
  case constant(Int)
  case named(String)
  case add(DimExpr, DimExpr)
  case subtract(DimExpr, DimExpr)
  case multiply(DimExpr, DimExpr)
  case divide(DimExpr, DimExpr)

  /// How the dimension was written, with arithmetic on plain numbers done (`2 + 2` is `4`,
  /// `64 + K` stays as it is).
  public var description: String { render(parent: 0) }

  private func render(parent: Int) -> String {
    if names.isEmpty, let v = evaluate([:]) { return String(v) }
    switch self {
    case .constant(let v): return String(v)
    case .named(let n): return n
    case .add(let a, let b): return wrap("\(a.render(parent: 1)) + \(b.render(parent: 2))", 1, parent)
    case .subtract(let a, let b): return wrap("\(a.render(parent: 1)) - \(b.render(parent: 2))", 1, parent)
    case .multiply(let a, let b): return wrap("\(a.render(parent: 3)) * \(b.render(parent: 4))", 3, parent)
    case .divide(let a, let b): return wrap("\(a.render(parent: 3)) / \(b.render(parent: 4))", 3, parent)
    }
  }

  private func wrap(_ s: String, _ level: Int, _ parent: Int) -> String { parent > level ? "(\(s))" : s }

  /// Evaluates with `bindings` for the named dimensions; nil if a name is unbound or a
  /// division is not exact.
  public func evaluate(_ bindings: [String: Int]) -> Int? {
    switch self {
    case .constant(let v): return v
    case .named(let n): return bindings[n]
    case .add(let a, let b):
      guard let x = a.evaluate(bindings), let y = b.evaluate(bindings) else { return nil }
      let (s, overflow) = x.addingReportingOverflow(y)
      return overflow ? nil : s
    case .subtract(let a, let b):
      guard let x = a.evaluate(bindings), let y = b.evaluate(bindings) else { return nil }
      let (d, overflow) = x.subtractingReportingOverflow(y)
      return overflow ? nil : d
    case .multiply(let a, let b):
      guard let x = a.evaluate(bindings), let y = b.evaluate(bindings) else { return nil }
      let (p, overflow) = x.multipliedReportingOverflow(by: y)
      return overflow ? nil : p
    case .divide(let a, let b):
      guard let x = a.evaluate(bindings), let y = b.evaluate(bindings), y != 0, x % y == 0 else { return nil }
      return x / y
    }
  }

  /// The named dimensions this expression mentions.
  public var names: Set<String> {
    switch self {
    case .constant: []
    case .named(let n): [n]
    case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b):
      a.names.union(b.names)
    }
  }

  /// Whether it mentions no declared dimension (`4`, `2 + 2`).
  public var isConstant: Bool { names.isEmpty }
}

/// One dimension of a shape: its expression and its value under the model's declared dims.
public struct Dim: Hashable, Sendable, CustomStringConvertible {
  public var expr: DimExpr
  public var value: Int

  public init(_ expr: DimExpr, value: Int) {
    self.expr = expr
    self.value = value
  }

  public static func constant(_ v: Int) -> Dim { Dim(.constant(v), value: v) }

  /// Two dims are the same size when their values agree, whatever their spelling.
  public static func == (a: Dim, b: Dim) -> Bool { a.value == b.value }
  public func hash(into h: inout Hasher) { h.combine(value) }

  public var description: String { expr.description }
}

/// The type of a value in a model: a float tensor, or a tensor of class labels.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
  public var shape: [Dim]
  /// The number of classes when the tensor holds class labels (integers in `0..<classes`).
  public var classes: Dim?

  public init(_ shape: [Dim], classes: Dim? = nil) {
    self.shape = shape
    self.classes = classes
  }

  public static let scalar = ValueType([])

  public var rank: Int { shape.count }
  public var isScalar: Bool { shape.isEmpty }
  public var isClassLabels: Bool { classes != nil }
  /// The number of elements; `Int.max` if that does not fit (no real tensor is that large).
  public var elementCount: Int {
    shape.reduce(1) { n, d in
      let (p, overflow) = n.multipliedReportingOverflow(by: d.value)
      return overflow ? Int.max : p
    }
  }

  /// `[B, 64 + K]`.
  public var shapeText: String { "[" + shape.map(\.description).joined(separator: ", ") + "]" }

  /// `[B, 64 + K]`, with ` class(K)` for labels.
  public var description: String { shapeText + (classes.map { " class(\($0))" } ?? "") }

  /// `[B, 64 + K] = [64, 74]` when any dimension is symbolic, else just `[64, 74]`.
  public var explained: String {
    let values = "[" + shape.map { String($0.value) }.joined(separator: ", ") + "]"
    return shape.allSatisfy(\.expr.isConstant) ? values : "\(shapeText) = \(values)"
  }

  /// The shape with the batch (or any named) dimension evaluated under other bindings.
  public func rebound(_ bindings: [String: Int]) -> [Int] {
    shape.map { $0.expr.evaluate(bindings) ?? $0.value }
  }
}

/// A number as a person writes it: `1` rather than `1.0`, `0.0002` rather than `2e-04`.
public func formatNumber(_ v: Double) -> String {
  if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
  return String(v)
}
