import GancIR

/// The vector–Jacobian product of each op: given the adjoint `dy` of an instruction's
/// result, the adjoints of the operands that `wants` marks.
///
/// Each rule uses only values the forward graph already has (`y` for activations, so the
/// pre-activation buffer can be reused). Every rule is checked against finite differences
/// in `GancAutodiffTests`.
enum VJP {
  static func pullback(_ inst: Instruction, dy: ValueID, wants: [Bool], in g: inout Graph) throws(AutodiffError)
    -> [ValueID?]
  {
    let x = inst.operands
    let y = inst.results[0]
    func want(_ i: Int) -> Bool { i < wants.count && wants[i] }

    switch inst.op {
    case .matmul(let ta, let tb):
      // C = op(A) op(B); dA = dC op(B)ᵀ (transposed back if A was), dB = op(A)ᵀ dC (likewise).
      var da: ValueID?
      var db: ValueID?
      if want(0) {
        da =
          ta
          ? g.add(.matmul(transposeA: tb, transposeB: true), x[1], dy)
          : g.add(.matmul(transposeA: false, transposeB: !tb), dy, x[1])
      }
      if want(1) {
        db =
          tb
          ? g.add(.matmul(transposeA: true, transposeB: ta), dy, x[0])
          : g.add(.matmul(transposeA: !ta, transposeB: false), x[0], dy)
      }
      // An operand of rank > 2 was read as a matrix; its gradient has the matrix's shape,
      // which may differ from the operand's (a transposed rank-3 `A`, a rank-3 `B`).
      return [da.map { fit($0, to: x[0], in: &g) }, db.map { fit($0, to: x[1], in: &g) }]

    case .addBias:
      return [want(0) ? dy : nil, want(1) ? g.add(.sumRows, dy) : nil]

    case .activation(let a):
      return [g.add(.activationGrad(a), dy, y)]

    case .unary(.negate):
      return [g.add(.scale(-1), dy)]

    case .unary(let f):
      return [g.add(.unaryGrad(f), dy, x[0], y)]

    case .scale(let c):
      return [g.add(.scale(c), dy)]

    case .binary(let f):
      let (a, b) = (x[0], x[1])
      var da: ValueID?
      var db: ValueID?
      switch f {
      case .add:
        if want(0) { da = unbroadcast(dy, to: a, in: &g) }
        if want(1) { db = unbroadcast(dy, to: b, in: &g) }
      case .subtract:
        if want(0) { da = unbroadcast(dy, to: a, in: &g) }
        if want(1) { db = unbroadcast(g.add(.scale(-1), dy), to: b, in: &g) }
      case .multiply:
        if want(0) { da = unbroadcast(g.add(.binary(.multiply), dy, b), to: a, in: &g) }
        if want(1) { db = unbroadcast(g.add(.binary(.multiply), dy, a), to: b, in: &g) }
      case .divide:
        // d(a/b)/da = 1/b; d(a/b)/db = -a/b² = -y/b.
        if want(0) { da = unbroadcast(g.add(.binary(.divide), dy, b), to: a, in: &g) }
        if want(1) {
          let t = g.add(.binary(.multiply), dy, y)
          db = unbroadcast(g.add(.scale(-1), g.add(.binary(.divide), t, b)), to: b, in: &g)
        }
      }
      return [da, db]

    case .concat(let axis):
      let a = normalizedAxis(axis, rank: g.shape(of: y).count)!
      var start = 0
      var grads: [ValueID?] = []
      for (i, o) in x.enumerated() {
        let width = g.shape(of: o)[a]
        grads.append(want(i) ? g.add(.slice(axis: axis, start: start, length: width), dy) : nil)
        start += width
      }
      return grads

    case .slice(let axis, let start, _):
      let a = normalizedAxis(axis, rank: g.shape(of: x[0]).count)!
      return [g.add(.padSlice(axis: axis, start: start, total: g.shape(of: x[0])[a]), dy)]

    case .padSlice(let axis, let start, _):
      let a = normalizedAxis(axis, rank: g.shape(of: x[0]).count)!
      return [g.add(.slice(axis: axis, start: start, length: g.shape(of: x[0])[a]), dy)]

    case .reshape:
      return [g.add(.reshape, dy, shape: g.shape(of: x[0]))]

    case .sum:
      return [g.add(.broadcast, dy, shape: g.shape(of: x[0]))]

    case .mean:
      let n = Float(g.elementCount(of: x[0]))
      return [g.add(.scale(1 / n), g.add(.broadcast, dy, shape: g.shape(of: x[0])))]

    case .broadcast:
      return [unbroadcast(dy, to: x[0], in: &g)]

    case .reduceAxis(let kind, let axis):
      let shape = g.shape(of: x[0])
      let a = normalizedAxis(axis, rank: shape.count)!
      let spread = g.add(.broadcastAxis(axis: a, length: shape[a]), dy)
      switch kind {
      case .sum: return [spread]
      case .mean: return [g.add(.scale(1 / Float(shape[a])), spread)]
      case .max: return [g.add(.binary(.multiply), spread, g.add(.maxMask(axis: a), x[0], y))]
      }

    case .broadcastAxis(let axis, _):
      let a = normalizedAxis(axis, rank: g.shape(of: y).count)!
      return [g.add(.reduceAxis(.sum, axis: a), dy)]

    case .loss(let f):
      let (p, t) = (x[0], x[1])
      var dp: ValueID?
      var dt: ValueID?
      if want(0) {
        dp = g.add(.binary(.multiply), g.add(.lossGrad(f), p, t), dy)
      }
      if want(1) {
        let n = Float(g.elementCount(of: p))
        let local: ValueID
        switch f {
        case .mse, .l1:
          local = g.add(.scale(-1), g.add(.lossGrad(f), p, t))
        case .bceLogits:
          // d/dt [max(x,0) − x t + log(1 + e^−|x|)] = −x.
          local = g.add(.scale(-1 / n), p)
        case .bce:
          // d/dt −[t log p + (1 − t) log(1 − p)] = log(1 − p) − log p.
          let one = g.add(.constant(1), shape: g.shape(of: p))
          let lq = g.add(.unary(.log), g.add(.binary(.subtract), one, p))
          let lp = g.add(.unary(.log), p)
          local = g.add(.scale(1 / n), g.add(.binary(.subtract), lq, lp))
        }
        dt = unbroadcast(g.add(.binary(.multiply), local, dy), to: t, in: &g)
      }
      return [dp, dt]

    case .conv(let geometry):
      // small = conv(large, w): large gets the transposed convolution of dy, w the
      // correlation of large with dy.
      return [
        want(0) ? g.add(.convTranspose(geometry), dy, x[1], shape: g.shape(of: x[0])) : nil,
        want(1) ? g.add(.convFilterGrad(geometry), x[0], dy) : nil,
      ]

    case .convTranspose(let geometry):
      // large = convTranspose(small, w): its adjoint is the convolution, and w's gradient
      // correlates dy (on the large side) with small.
      return [
        want(0) ? g.add(.conv(geometry), dy, x[1]) : nil,
        want(1) ? g.add(.convFilterGrad(geometry), dy, x[0]) : nil,
      ]

    case .transpose(let p):
      var inverse = [Int](repeating: 0, count: p.count)
      for (i, a) in p.enumerated() { inverse[a] = i }
      return [g.add(.transpose(permutation: inverse), dy)]

    case .softmax:
      // dx = y ⊙ (dy − Σ_j dy_j y_j), the sum along the last axis.
      let shape = g.shape(of: y)
      let dot = g.add(.reduceAxis(.sum, axis: shape.count - 1), g.add(.binary(.multiply), dy, y))
      let spread = g.add(.broadcastAxis(axis: shape.count - 1, length: shape.last!), dot)
      return [g.add(.binary(.multiply), y, g.add(.binary(.subtract), dy, spread))]

    case .stopGradient, .oneHot, .input, .parameter, .constant, .state, .updateState, .dropoutMask, .argmax,
      .maxMask:
      return x.map { _ in nil }

    case .sumRows, .activationGrad, .unaryGrad, .lossGrad, .dense, .activationGradSumRows, .lossWithGrad, .accuracy,
      .convFilterGrad:
      throw AutodiffError(message: "no derivative is defined for \(inst.op.mnemonic) (a backward or fused op)")
    }
  }

  /// `d` reshaped (a view) to the shape of `target` when only the shapes differ.
  static func fit(_ d: ValueID, to target: ValueID, in g: inout Graph) -> ValueID {
    g.shape(of: d) == g.shape(of: target) ? d : g.add(.reshape, d, shape: g.shape(of: target))
  }

  /// Sums `d` down to the shape of `target` when `target` was broadcast (a scalar operand).
  static func unbroadcast(_ d: ValueID, to target: ValueID, in g: inout Graph) -> ValueID {
    let want = g.shape(of: target)
    if g.shape(of: d) == want { return d }
    let s = g.add(.sum, d)
    return want.isEmpty ? s : g.add(.broadcast, s, shape: want)
  }
}
