/// A unary elementwise function.
public enum UnaryFunction: String, Hashable, Sendable {
  case negate = "neg", exp, log, sqrt, abs, square
}

/// A binary elementwise function; operands have one shape, or one is a scalar.
public enum BinaryFunction: String, Hashable, Sendable {
  case add, subtract = "sub", multiply = "mul", divide = "div"
}

/// How `reduceAxis` combines the entries of an axis.
public enum ReduceKind: String, Hashable, Sendable {
  case sum, mean
  /// The largest entry (its gradient goes to the first position that holds it).
  case max
}

/// A loss: the mean over all elements of a per-element function of (prediction, target).
public enum LossFunction: String, Hashable, Sendable {
  case bceLogits = "bce_logits", bce, mse, l1
}

/// An operation of the graph IR.
///
/// Every op is a pure function of its operands except the sources (`input`, `parameter`),
/// whose values are set from outside between runs. Shapes are static; the rule for each op
/// is `Op.resultShapes(for:)`, its derivative is in `GancAutodiff`'s VJP rules, and its
/// kernel is in `GancRuntime`.
public enum Op: Hashable, Sendable {
  // Sources.
  /// A tensor fed before each run (a batch of data or noise), by name.
  case input(String)
  /// A trainable tensor, by its qualified name (`G.dense_0.weight`).
  case parameter(String)
  /// A tensor of the result's shape filled with one value.
  case constant(Float)
  /// A tensor the training loop updates but the optimiser does not (batch norm's running
  /// statistics), by name.
  case state(String)

  // Linear algebra. Operands of rank > 2 are read as matrices whose rows are all leading
  // axes flattened (row-major, so no data moves).
  /// `op(a) · op(b)`, where `op` transposes when its flag is set.
  case matmul(transposeA: Bool, transposeB: Bool)
  /// `x[..., n] + b[n]`.
  case addBias
  /// Column sums of a matrix, `[..., n] → [n]`: the gradient of `addBias`'s bias.
  case sumRows

  // Elementwise.
  case activation(Activation)
  /// `(dy, y) → dx`: an activation's derivative from its output.
  case activationGrad(Activation)
  case unary(UnaryFunction)
  /// `(dy, x, y) → dx` for `y = f(x)`.
  case unaryGrad(UnaryFunction)
  case binary(BinaryFunction)
  /// `x · c`.
  case scale(Float)

  // Layout.
  /// Joins operands along `axis` (negative counts from the end, −1 is the last).
  case concat(axis: Int)
  /// `length` entries of `axis` from `start`.
  case slice(axis: Int, start: Int, length: Int)
  /// `dy` placed at `start` of a zero tensor whose `axis` has `total` entries: the
  /// gradient of `slice`.
  case padSlice(axis: Int, start: Int, total: Int)
  /// The same elements (row-major) in the result's declared shape; a view, not a copy.
  case reshape
  /// Class labels (integers stored as floats) to one-hot rows.
  case oneHot(classes: Int)

  // Reductions and broadcasts.
  case sum
  case mean
  /// The sum (or mean) over one axis, which disappears: `[a, n, b] → [a, b]`.
  case reduceAxis(ReduceKind, axis: Int)
  /// `n` copies along a new axis at `axis`: `[a, b] → [a, n, b]` (the gradient of `reduceAxis`).
  case broadcastAxis(axis: Int, length: Int)
  /// `(x, max) → mask`: 1 at the first position along `axis` where `x` equals the maximum
  /// that `reduceAxis(.max)` took, 0 elsewhere (where the maximum's gradient goes).
  case maxMask(axis: Int)
  /// A scalar spread over the result's shape (the gradient of `sum`).
  case broadcast

  // Losses.
  /// `(prediction, target) → scalar`, the mean over elements. Both have one shape (the
  /// kernels read a target element per prediction element; lowering broadcasts a scalar
  /// target first).
  case loss(LossFunction)
  /// `(prediction, target) → d loss / d prediction`.
  case lossGrad(LossFunction)
  /// `(logits, targets) → scalar`: the share of logits on the side of 0 their target (0 or
  /// 1) is on. A measurement: it has no derivative.
  case accuracy

  /// The identity whose gradient is zero (`detach`); removed after differentiation.
  case stopGradient

  // Convolution (NHWC), see `ConvGeometry`.
  /// `(large [n, h, w, c], weights [kh, kw, c, o]) → small [n, oh, ow, o]`.
  case conv(ConvGeometry)
  /// `(small [n, oh, ow, o], weights [kh, kw, c, o]) → large [n, h, w, c]` (declared shape).
  case convTranspose(ConvGeometry)
  /// `(large, small) → weights [kh, kw, c, o]`: the gradient of `conv` with respect to its weights.
  case convFilterGrad(ConvGeometry)

  // Training state.
  /// `(batch statistic, state) → []`: `state ← (1 − momentum) · state + momentum · correction ·
  /// statistic`, written in place; the result is a placeholder that keeps the op alive.
  case updateState(momentum: Float, correction: Float)
  /// `u → mask`: `1 / (1 − rate)` where `u ≥ rate`, else 0, for uniform `u` in [0, 1).
  case dropoutMask(rate: Float)

  // Distributions over the last axis.
  /// `e^x / Σ e^x` along the last axis (computed with the maximum subtracted).
  case softmax
  /// The index of the largest entry along the last axis, which disappears (as a float).
  case argmax
  /// The axes in a new order: result axis `i` is operand axis `permutation[i]`.
  case transpose(permutation: [Int])

  // Fused ops, made by `GancPasses` from the ones above.
  /// `(x, w[, b]) → act(x · w + b)` in one kernel call: the bias and activation run in
  /// the epilogue of the matrix product.
  case dense(Activation)
  /// `(dy, y) → (dz, db)`: the activation's backward and the bias gradient in one pass.
  case activationGradSumRows(Activation)
  /// `(prediction, target) → (loss, d loss / d prediction)` in one pass.
  case lossWithGrad(LossFunction)
}

extension Op {
  /// The name used in IR dumps.
  public var mnemonic: String {
    switch self {
    case .input(let n): "input \"\(n)\""
    case .parameter(let n): "param \"\(n)\""
    case .constant(let v): "const \(v)"
    case .state(let n): "state \"\(n)\""
    case .conv(let g): "conv \(g)"
    case .convTranspose(let g): "conv_transpose \(g)"
    case .convFilterGrad(let g): "conv_filter_grad \(g)"
    case .updateState(let m, let c): "update_state momentum \(m)" + (c == 1 ? "" : " × \(c)")
    case .dropoutMask(let r): "dropout_mask \(r)"
    case .softmax: "softmax"
    case .argmax: "argmax"
    case .transpose(let p): "transpose \(p)"
    case .matmul(let ta, let tb): "matmul" + (ta ? ".tA" : "") + (tb ? ".tB" : "")
    case .addBias: "add_bias"
    case .sumRows: "sum_rows"
    case .activation(let a): "\(a)"
    case .activationGrad(let a): "\(a)_grad"
    case .unary(let f): f.rawValue
    case .unaryGrad(let f): "\(f.rawValue)_grad"
    case .binary(let f): f.rawValue
    case .scale(let c): "scale \(c)"
    case .concat(let a): "concat" + (a == -1 ? "" : " axis \(a)")
    case .slice(let a, let s, let l): "slice" + (a == -1 ? "" : " axis \(a)") + " \(s)..<\(s + l)"
    case .padSlice(let a, let s, let t): "pad_slice" + (a == -1 ? "" : " axis \(a)") + " \(s) of \(t)"
    case .oneHot(let k): "one_hot \(k)"
    case .reshape: "reshape"
    case .sum: "sum"
    case .mean: "mean"
    case .broadcast: "broadcast"
    case .reduceAxis(let k, let a): "\(k.rawValue) axis \(a)"
    case .broadcastAxis(let a, let n): "broadcast axis \(a) × \(n)"
    case .maxMask(let a): "max_mask axis \(a)"
    case .loss(let f): f.rawValue
    case .lossGrad(let f): "\(f.rawValue)_grad"
    case .accuracy: "accuracy"
    case .stopGradient: "stop_gradient"
    case .dense(let a): "dense[\(a)]"
    case .activationGradSumRows(let a): "\(a)_grad+sum_rows"
    case .lossWithGrad(let f): "\(f.rawValue)+grad"
    }
  }

  /// How many results the op has.
  public var resultCount: Int {
    switch self {
    case .activationGradSumRows, .lossWithGrad: 2
    default: 1
    }
  }

  /// Whether the first result may share the buffer of operand 0 when that operand dies
  /// here: true for elementwise ops that read each element before writing it.
  public var canWriteOverFirstOperand: Bool {
    switch self {
    case .activation, .activationGrad, .unary, .binary, .scale, .addBias, .stopGradient, .dropoutMask: true
    default: false
    }
  }

  /// Floats of scratch memory the kernel needs while it runs (the im2col matrix of a
  /// convolution), for operands of `shapes` and results of `results`.
  public func scratchCount(operands shapes: [[Int]], results: [[Int]]) -> Int {
    switch self {
    case .conv(let g), .convFilterGrad(let g):
      // im2col of the large side, one row per small-side pixel.
      let small = self == .conv(g) ? results[0] : shapes[1]
      return small[0] * small[1] * small[2] * g.columnCount(largeChannels: shapes[0][3])
    case .convTranspose(let g):
      return shapes[0][0] * shapes[0][1] * shapes[0][2] * g.columnCount(largeChannels: results[0][3])
    default:
      return 0
    }
  }

  /// Whether the op changes something besides its results (a state), so it must run even
  /// though nothing reads its result.
  public var hasSideEffects: Bool {
    if case .updateState = self { return true }
    return false
  }

  /// The shapes of the results for operands of `shapes`, or a message saying why not.
  public func resultShapes(for shapes: [[Int]], declared: [Int]? = nil) -> Result<[[Int]], ShapeError> {
    func fail(_ m: String) -> Result<[[Int]], ShapeError> { .failure(ShapeError(message: "\(mnemonic): \(m)")) }
    func count(_ s: [Int]) -> Int { s.reduce(1, *) }
    func arity(_ n: Int) -> Bool { shapes.count == n }
    switch self {
    case .input, .parameter, .constant, .state:
      guard arity(0), let d = declared else { return fail("a source needs a declared shape and no operands") }
      return .success([d])
    case .conv(let g):
      guard arity(2), shapes[0].count == 4, shapes[1] == [g.kernelH, g.kernelW, shapes[0][3], shapes[1].last ?? 0],
        let oh = ConvGeometry.smallSize(large: shapes[0][1], kernel: g.kernelH, stride: g.strideH, padding: g.padH),
        let ow = ConvGeometry.smallSize(large: shapes[0][2], kernel: g.kernelW, stride: g.strideW, padding: g.padW)
      else { return fail("operands \(shapes) do not fit \(g)") }
      return .success([[shapes[0][0], oh, ow, shapes[1][3]]])
    case .convTranspose(let g):
      guard arity(2), shapes[0].count == 4, shapes[1].count == 4, shapes[1][3] == shapes[0][3], let d = declared,
        d.count == 4, d[0] == shapes[0][0], d[3] == shapes[1][2],
        ConvGeometry.smallSize(large: d[1], kernel: g.kernelH, stride: g.strideH, padding: g.padH) == shapes[0][1],
        ConvGeometry.smallSize(large: d[2], kernel: g.kernelW, stride: g.strideW, padding: g.padW) == shapes[0][2]
      else { return fail("operands \(shapes) do not fit \(g) and \(declared ?? [])") }
      return .success([d])
    case .convFilterGrad(let g):
      guard arity(2), shapes[0].count == 4, shapes[1].count == 4, shapes[0][0] == shapes[1][0],
        ConvGeometry.smallSize(large: shapes[0][1], kernel: g.kernelH, stride: g.strideH, padding: g.padH)
          == shapes[1][1],
        ConvGeometry.smallSize(large: shapes[0][2], kernel: g.kernelW, stride: g.strideW, padding: g.padW)
          == shapes[1][2]
      else { return fail("operands \(shapes) do not fit \(g)") }
      return .success([[g.kernelH, g.kernelW, shapes[0][3], shapes[1][3]]])
    case .updateState:
      guard arity(2), shapes[0] == shapes[1] else { return fail("statistic and state differ: \(shapes)") }
      return .success([[]])
    case .dropoutMask, .softmax:
      guard arity(1), !shapes[0].isEmpty else { return fail("takes one operand of rank ≥ 1") }
      return .success([shapes[0]])
    case .argmax:
      guard arity(1), !shapes[0].isEmpty else { return fail("takes one operand of rank ≥ 1") }
      return .success([Array(shapes[0].dropLast())])
    case .transpose(let p):
      guard arity(1), p.count == shapes[0].count, Set(p) == Set(0..<p.count) else {
        return fail("\(p) is not an order of the axes of \(shapes[0])")
      }
      return .success([p.map { shapes[0][$0] }])
    case .matmul(let ta, let tb):
      guard arity(2), shapes[0].count >= 2 || (ta && shapes[0].count >= 1), shapes[1].count >= 2
      else { return fail("needs two matrices, got \(shapes)") }
      let a = shapes[0]
      let b = shapes[1]
      let aRows = count(a.dropLast())
      let aCols = a.last!
      let bRows = count(b.dropLast())
      let bCols = b.last!
      let k1 = ta ? aRows : aCols
      let k2 = tb ? bCols : bRows
      guard k1 == k2 else { return fail("inner dimensions \(k1) and \(k2) differ") }
      let n = tb ? bRows : bCols
      return .success([ta ? [aCols, n] : Array(a.dropLast()) + [n]])
    case .addBias:
      guard arity(2), shapes[1].count == 1, shapes[0].last == shapes[1][0] else {
        return fail("bias \(shapes.dropFirst()) does not fit \(shapes.first ?? [])")
      }
      return .success([shapes[0]])
    case .sumRows:
      guard arity(1), let n = shapes[0].last else { return fail("needs a tensor of rank ≥ 1") }
      return .success([[n]])
    case .activation, .unary, .scale, .stopGradient:
      guard arity(1) else { return fail("takes one operand") }
      return .success([shapes[0]])
    case .activationGrad:
      guard arity(2), shapes[0] == shapes[1] else { return fail("operands differ: \(shapes)") }
      return .success([shapes[0]])
    case .unaryGrad:
      guard arity(3), shapes[0] == shapes[1], shapes[1] == shapes[2] else { return fail("operands differ: \(shapes)") }
      return .success([shapes[0]])
    case .binary:
      guard arity(2) else { return fail("takes two operands") }
      let (a, b) = (shapes[0], shapes[1])
      if a == b || count(b) == 1 && b.count <= a.count { return .success([a]) }
      if count(a) == 1 && a.count <= b.count { return .success([b]) }
      return fail("shapes \(a) and \(b) differ")
    case .concat(let axis):
      guard let a = normalizedAxis(axis, rank: shapes.first?.count ?? 0),
        shapes.allSatisfy({
          $0.count == shapes[0].count && $0[..<a] == shapes[0][..<a] && $0[(a + 1)...] == shapes[0][(a + 1)...]
        })
      else { return fail("operands \(shapes) differ outside axis \(axis)") }
      var out = shapes[0]
      out[a] = shapes.reduce(0) { $0 + $1[a] }
      return .success([out])
    case .slice(let axis, let start, let length):
      guard arity(1), let a = normalizedAxis(axis, rank: shapes[0].count), start >= 0, length > 0,
        start + length <= shapes[0][a]
      else { return fail("\(start)..<\(start + length) of axis \(axis) is outside \(shapes)") }
      var out = shapes[0]
      out[a] = length
      return .success([out])
    case .padSlice(let axis, let start, let total):
      guard arity(1), let a = normalizedAxis(axis, rank: shapes[0].count), start >= 0, start + shapes[0][a] <= total
      else { return fail("does not fit") }
      var out = shapes[0]
      out[a] = total
      return .success([out])
    case .reshape:
      guard arity(1), let d = declared, count(d) == count(shapes[0]) else {
        return fail("needs a declared shape of as many elements")
      }
      return .success([d])
    case .oneHot(let k):
      guard arity(1) else { return fail("takes one operand") }
      return .success([shapes[0] + [k]])
    case .sum, .mean:
      guard arity(1) else { return fail("takes one operand") }
      return .success([[]])
    case .broadcast:
      guard arity(1), count(shapes[0]) == 1, let d = declared else {
        return fail("needs a scalar and a declared shape")
      }
      return .success([d])
    case .reduceAxis(_, let axis):
      guard arity(1), let a = normalizedAxis(axis, rank: shapes[0].count) else {
        return fail("no axis \(axis) in \(shapes)")
      }
      var out = shapes[0]
      out.remove(at: a)
      return .success([out])
    case .maxMask(let axis):
      guard arity(2), let a = normalizedAxis(axis, rank: shapes[0].count),
        shapes[1] == shapes[0].enumerated().filter({ $0.offset != a }).map(\.element)
      else { return fail("\(shapes) are not a tensor and its maximum over axis \(axis)") }
      return .success([shapes[0]])
    case .broadcastAxis(let axis, let n):
      guard arity(1), n > 0, let a = normalizedAxis(axis, rank: shapes[0].count + 1) else {
        return fail("no axis \(axis) for \(shapes)")
      }
      var out = shapes[0]
      out.insert(n, at: a)
      return .success([out])
    case .loss:
      guard arity(2), shapes[0] == shapes[1] else { return fail("operands \(shapes) differ") }
      return .success([[]])
    case .accuracy:
      guard arity(2), shapes[0] == shapes[1] else { return fail("operands \(shapes) differ") }
      return .success([[]])
    case .lossGrad:
      guard arity(2), shapes[0] == shapes[1] else { return fail("operands \(shapes) differ") }
      return .success([shapes[0]])
    case .dense:
      guard shapes.count == 2 || shapes.count == 3, shapes[1].count == 2, shapes[0].last == shapes[1][0] else {
        return fail("bad operands \(shapes)")
      }
      if shapes.count == 3 { guard shapes[2] == [shapes[1][1]] else { return fail("bias \(shapes[2]) does not fit") } }
      return .success([Array(shapes[0].dropLast()) + [shapes[1][1]]])
    case .activationGradSumRows:
      guard arity(2), shapes[0] == shapes[1], let n = shapes[0].last else { return fail("operands differ: \(shapes)") }
      return .success([shapes[0], [n]])
    case .lossWithGrad:
      guard arity(2), shapes[0] == shapes[1] else { return fail("operands \(shapes) differ") }
      return .success([[], shapes[0]])
    }
  }
}

/// `axis` as an index into a shape of `rank` axes (negative counts from the end), or nil
/// when it is out of range.
public func normalizedAxis(_ axis: Int, rank: Int) -> Int? {
  let a = axis < 0 ? rank + axis : axis
  return a >= 0 && a < rank ? a : nil
}

/// A shape seen as `[outer, axis, inner]` around one axis: the view the layout kernels use
/// (a slice along any axis is a slice of rows of `axis · inner` values).
public func split(_ shape: [Int], at axis: Int) -> (outer: Int, length: Int, inner: Int) {
  let a = normalizedAxis(axis, rank: shape.count)!
  return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
}

/// An IR shape error: a bug in whatever built the graph, never the user's.
public struct ShapeError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
