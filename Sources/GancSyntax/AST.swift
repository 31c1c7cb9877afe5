import GancSource

/// A name as written, with where it was written.
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
  public var name: String
  public var range: SourceRange

  public init(_ name: String, _ range: SourceRange) {
    self.name = name
    self.range = range
  }

  public var description: String { name }
}

/// A whole `.gan` file.
public struct Program: Sendable {
  /// The model's name from `gan NAME`; nil when the header is missing (already reported).
  public var name: Identifier?
  public var declarations: [Declaration]

  public init(name: Identifier?, declarations: [Declaration]) {
    self.name = name
    self.declarations = declarations
  }
}

/// A top-level declaration.
public enum Declaration: Sendable {
  case dimension(DimensionDecl)
  case data(DataDecl)
  case input(InputDecl)
  case noise(NoiseDecl)
  case net(NetDecl)
  case binding(LetDecl)
  case loss(LossDecl)
  /// `metric acc = accuracy(D(x), 1)`: logged, never trained.
  case metric(LossDecl)
  case train(TrainDecl)

  /// The range of the declaring keyword through the end of the declaration.
  public var range: SourceRange {
    switch self {
    case .dimension(let d): d.range
    case .data(let d): d.range
    case .input(let d): d.range
    case .noise(let d): d.range
    case .net(let d): d.range
    case .binding(let d): d.range
    case .loss(let d): d.range
    case .metric(let d): d.range
    case .train(let d): d.range
    }
  }
}

/// `dim K = 10` or `batch B = 64` (the batch dimension, which sampling may rebind).
public struct DimensionDecl: Sendable {
  public var name: Identifier
  public var value: Expr
  public var isBatch: Bool
  public var range: SourceRange
}

/// `data digits = csv("data/digits.csv")`.
public struct DataDecl: Sendable {
  public var name: Identifier
  public var source: Expr
  public var range: SourceRange
}

/// `input x: [B, 64] = digits.columns(0..<64).scaled(from: 0...16, to: -1...1)`.
public struct InputDecl: Sendable {
  public var name: Identifier
  public var type: TypeExpr
  public var source: Expr
  public var range: SourceRange
}

/// `noise z: [B, Z] = normal(0, 1)`.
public struct NoiseDecl: Sendable {
  public var name: Identifier
  public var type: TypeExpr
  public var distribution: Expr
  public var range: SourceRange
}

/// A tensor type: `[B, 64]`, or labels `[B] class(K)`.
public struct TypeExpr: Sendable {
  public var dimensions: [Expr]
  /// The class count of a label tensor (`class(K)`); nil for real-valued tensors.
  public var classCount: Expr?
  public var range: SourceRange
}

/// `net G(z: [B, Z]) -> [B, 64] { ... }`.
public struct NetDecl: Sendable {
  public var name: Identifier
  public var parameters: [NetParameter]
  public var output: TypeExpr
  public var body: [Statement]
  /// The value of the body: its last expression.
  public var result: Expr
  public var range: SourceRange
  /// A `block`: written like a network, but every use has parameters of its own, owned
  /// by the network that uses it.
  public var isBlock: Bool = false
}

public struct NetParameter: Sendable {
  public var name: Identifier
  public var type: TypeExpr
}

/// A statement inside a network body.
public enum Statement: Sendable {
  case binding(LetDecl)
}

/// `let fake = G(z, yf)`, at top level or in a network body.
public struct LetDecl: Sendable {
  public var name: Identifier
  public var value: Expr
  public var range: SourceRange
}

/// `loss g_loss = bce_logits(D(fake), 1)`.
public struct LossDecl: Sendable {
  public var name: Identifier
  public var value: Expr
  public var range: SourceRange
}

/// `train { ... }`.
public struct TrainDecl: Sendable {
  public var items: [TrainItem]
  public var range: SourceRange
}

public enum TrainItem: Sendable {
  /// `steps 10000`, `seed 7`, `optimizer adam(lr: 2e-4)`: a name and a value.
  case setting(name: Identifier, value: Expr)
  /// `log every 200`, `checkpoint every 1000`.
  case every(name: Identifier, interval: Expr)
  case step(StepDecl)
  case sample(SampleDecl)
  /// `phase NAME { ... }`: steps (and their length) run for a stretch of training.
  case phase(PhaseDecl)
  /// `optimizer NAME = adam(...)`: an optimizer steps share with `using NAME`.
  case namedOptimizer(name: Identifier, value: Expr)

  public var range: SourceRange {
    switch self {
    case .setting(let n, let v): n.range.union(v.range)
    case .every(let n, let v): n.range.union(v.range)
    case .step(let s): s.range
    case .sample(let s): s.range
    case .phase(let p): p.range
    case .namedOptimizer(let n, let v): n.range.union(v.range)
    }
  }
}

/// `step d: minimize d_loss wrt D repeat 5 using adam(lr: 1e-4)`.
public struct StepDecl: Sendable {
  public var name: Identifier
  public var loss: Identifier
  public var networks: [Identifier]
  public var repeatCount: Expr?
  public var optimizer: Expr?
  /// `when d_loss > 0.15`: the update is applied only when this holds.
  public var condition: Expr?
  public var range: SourceRange
}

/// `phase joint { steps 2000  step g: ... }`.
public struct PhaseDecl: Sendable {
  public var name: Identifier
  public var items: [TrainItem]
  public var range: SourceRange
}

/// `sample every 1000 count 100: G(z, yf) as image(8, 8)`.
public struct SampleDecl: Sendable {
  public var interval: Expr?
  public var count: Expr?
  public var value: Expr
  /// How samples are shown: `image(8, 8)`, `scatter`, or nil for CSV only.
  public var view: Expr?
  public var range: SourceRange
}

/// An expression. Layers, network calls, losses and data sources are all calls; the
/// checker gives them meaning.
public struct Expr: Sendable {
  public indirect enum Kind: Sendable {
    case identifier(String)
    case integer(Int)
    case float(Double)
    case string(String)
    /// `callee(args)`; a pipe stage `x |> f(a)` is the call `f(x, a)`.
    case call(callee: Identifier, arguments: [Argument])
    /// `base.name` or `base.name(args)` (data column selections).
    case member(base: Expr, name: Identifier, arguments: [Argument]?)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    /// `a..<b` or `a...b`.
    case range(lower: Expr, upper: Expr, closed: Bool)
    /// `x[:, 1:, :]`: one item per leading axis.
    case `subscript`(base: Expr, items: [SliceItem])
    /// `[a, b, c]`: a list of values (names of columns, say).
    case list([Expr])
    /// Something the parser expected but did not find (already reported).
    case missing
  }

  public var kind: Kind
  public var range: SourceRange
  /// For a call built from `x |> f`, the range of the stage `f` alone (for diagnostics).
  public var stageRange: SourceRange?

  public init(_ kind: Kind, _ range: SourceRange, stageRange: SourceRange? = nil) {
    self.kind = kind
    self.range = range
    self.stageRange = stageRange
  }
}

/// One axis of a subscript.
public struct SliceItem: Sendable {
  public enum Kind: Sendable {
    /// `a:b`, either bound optional; negative bounds count from the end.
    case range(lower: Expr?, upper: Expr?)
    /// `a`: one position, and the axis is dropped.
    case index(Expr)
  }

  public var kind: Kind
  public var range: SourceRange
}

/// `label: value` or just `value`.
public struct Argument: Sendable {
  public var label: Identifier?
  public var value: Expr

  public init(label: Identifier?, value: Expr) {
    self.label = label
    self.value = value
  }
}

public enum UnaryOperator: String, Sendable {
  case negate = "-"
}

public enum BinaryOperator: String, Sendable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case less = "<"
  case greater = ">"
  case lessEqual = "<="
  case greaterEqual = ">="
}
