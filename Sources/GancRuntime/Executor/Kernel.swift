import GancIR

/// One resolved kernel call: the op with its pointers and sizes bound.
enum Kernel {
  typealias P = UnsafeMutablePointer<Float>

  case gemm(ta: Bool, tb: Bool, m: Int, n: Int, k: Int, a: P, lda: Int, b: P, ldb: Int, c: P, threads: Int)
  case dense(Activation, m: Int, n: Int, k: Int, x: P, w: P, bias: P?, out: P, threads: Int)
  case addBias(rows: Int, cols: Int, x: P, bias: P, out: P)
  case sumRows(rows: Int, cols: Int, x: P, out: P)
  case activation(Activation, x: P, y: P, count: Int)
  case activationGrad(Activation, dy: P, y: P, dx: P, count: Int)
  case activationGradSumRows(Activation, rows: Int, cols: Int, dy: P, y: P, dz: P, db: P)
  case unary(Kernels.UnaryOp, x: P, y: P, count: Int)
  case unaryGrad(Kernels.UnaryOp, dy: P, x: P, y: P, dx: P, count: Int)
  case binary(Kernels.BinaryOp, a: P, aCount: Int, b: P, bCount: Int, out: P, count: Int)
  case scale(Float, x: P, y: P, count: Int)
  case concat(rows: Int, inputs: [(pointer: UnsafePointer<Float>, cols: Int)], out: P)
  case slice(rows: Int, sourceCols: Int, start: Int, length: Int, source: P, out: P)
  case padSlice(rows: Int, totalCols: Int, start: Int, length: Int, source: P, out: P)
  case oneHot(labels: P, count: Int, classes: Int, out: P)
  case copy(x: P, y: P, count: Int)
  case sum(x: P, count: Int, out: P)
  case mean(x: P, count: Int, out: P)
  case broadcast(x: P, out: P, count: Int)
  case reduceAxis(ReduceKind, outer: Int, length: Int, inner: Int, x: P, out: P)
  case broadcastAxis(outer: Int, length: Int, inner: Int, x: P, out: P)
  case maxMask(outer: Int, length: Int, inner: Int, x: P, max: P, out: P)
  case loss(LossFunction, p: P, t: P, count: Int, out: P)
  case lossGrad(LossFunction, p: P, t: P, count: Int, dx: P)
  case lossWithGrad(LossFunction, p: P, t: P, count: Int, out: P, dx: P)
  case accuracy(p: P, t: P, count: Int, out: P)
  case conv(ConvShape, large: P, weights: P, small: P, scratch: P, threads: Int)
  case convTranspose(ConvShape, small: P, weights: P, large: P, scratch: P, threads: Int)
  case convFilterGrad(ConvShape, large: P, small: P, weights: P, scratch: P, threads: Int)
  case updateState(statistic: P, state: P, count: Int, momentum: Float, correction: Float)
  case dropoutMask(u: P, mask: P, count: Int, rate: Float)
  case softmax(rows: Int, cols: Int, x: P, y: P)
  case argmax(rows: Int, cols: Int, x: P, y: P)
  case transpose(shape: [Int], permutation: [Int], x: P, y: P)

  /// The kernel for `inst`, or nil for instructions that need no work at run time
  /// (sources, whose values are already in place).
  static func make(_ inst: Instruction, graph g: Graph, pointers: [P?], scratch: P?, threads: Int) throws(RuntimeError)
    -> Kernel?
  {
    func ptr(_ v: ValueID) throws(RuntimeError) -> P {
      guard let p = pointers[v.index] else { throw RuntimeError("value \(v) has no storage") }
      return p
    }
    func count(_ v: ValueID) -> Int { g.elementCount(of: v) }
    func rowsCols(_ v: ValueID) -> (Int, Int) {
      let s = g.shape(of: v)
      let cols = s.last ?? 1
      return (cols == 0 ? 0 : count(v) / cols, cols)
    }
    let o = inst.operands
    let r = inst.results
    func convShape(large: [Int], small: [Int], _ geometry: ConvGeometry) -> ConvShape {
      ConvShape(
        n: large[0], h: large[1], w: large[2], c: large[3], oh: small[1], ow: small[2], o: small[3], geometry: geometry)
    }
    func scratchPointer() throws(RuntimeError) -> P {
      guard let scratch else { throw RuntimeError("\(inst.op.mnemonic) has no scratch memory") }
      return scratch
    }
    switch inst.op {
    case .input, .parameter, .constant, .state:
      return nil
    case .conv(let geo):
      let s = convShape(large: g.shape(of: o[0]), small: g.shape(of: r[0]), geo)
      return .conv(
        s, large: try ptr(o[0]), weights: try ptr(o[1]), small: try ptr(r[0]), scratch: try scratchPointer(),
        threads: Kernels.threads(forProductOf: s.rows, s.o, s.columns, upTo: threads))
    case .convTranspose(let geo):
      let s = convShape(large: g.shape(of: r[0]), small: g.shape(of: o[0]), geo)
      return .convTranspose(
        s, small: try ptr(o[0]), weights: try ptr(o[1]), large: try ptr(r[0]), scratch: try scratchPointer(),
        threads: Kernels.threads(forProductOf: s.rows, s.o, s.columns, upTo: threads))
    case .convFilterGrad(let geo):
      let s = convShape(large: g.shape(of: o[0]), small: g.shape(of: o[1]), geo)
      return .convFilterGrad(
        s, large: try ptr(o[0]), small: try ptr(o[1]), weights: try ptr(r[0]), scratch: try scratchPointer(),
        threads: Kernels.threads(forProductOf: s.rows, s.o, s.columns, upTo: threads))
    case .updateState(let momentum, let correction):
      return .updateState(
        statistic: try ptr(o[0]), state: try ptr(o[1]), count: count(o[0]), momentum: momentum, correction: correction)
    case .softmax:
      let (rows, cols) = rowsCols(o[0])
      return .softmax(rows: rows, cols: cols, x: try ptr(o[0]), y: try ptr(r[0]))
    case .transpose(let p):
      return .transpose(shape: g.shape(of: o[0]), permutation: p, x: try ptr(o[0]), y: try ptr(r[0]))
    case .argmax:
      let (rows, cols) = rowsCols(o[0])
      return .argmax(rows: rows, cols: cols, x: try ptr(o[0]), y: try ptr(r[0]))
    case .dropoutMask(let rate):
      return .dropoutMask(u: try ptr(o[0]), mask: try ptr(r[0]), count: count(r[0]), rate: rate)
    case .stopGradient:
      throw RuntimeError("stop_gradient must be removed before a graph runs")
    case .matmul(let ta, let tb):
      let (ar, ac) = rowsCols(o[0])
      let (br, bc) = rowsCols(o[1])
      let m = ta ? ac : ar
      let k = ta ? ar : ac
      let n = tb ? br : bc
      return .gemm(
        ta: ta, tb: tb, m: m, n: n, k: k, a: try ptr(o[0]), lda: ac, b: try ptr(o[1]), ldb: bc, c: try ptr(r[0]),
        threads: Kernels.threads(forProductOf: m, n, k, upTo: threads))
    case .dense(let a):
      let (m, k) = rowsCols(o[0])
      let n = g.shape(of: o[1])[1]
      return .dense(
        a, m: m, n: n, k: k, x: try ptr(o[0]), w: try ptr(o[1]), bias: o.count > 2 ? try ptr(o[2]) : nil,
        out: try ptr(r[0]), threads: Kernels.threads(forProductOf: m, n, k, upTo: threads))
    case .addBias:
      let (rows, cols) = rowsCols(o[0])
      return .addBias(rows: rows, cols: cols, x: try ptr(o[0]), bias: try ptr(o[1]), out: try ptr(r[0]))
    case .sumRows:
      let (rows, cols) = rowsCols(o[0])
      return .sumRows(rows: rows, cols: cols, x: try ptr(o[0]), out: try ptr(r[0]))
    case .activation(let a):
      return .activation(a, x: try ptr(o[0]), y: try ptr(r[0]), count: count(r[0]))
    case .activationGrad(let a):
      return .activationGrad(a, dy: try ptr(o[0]), y: try ptr(o[1]), dx: try ptr(r[0]), count: count(r[0]))
    case .activationGradSumRows(let a):
      let (rows, cols) = rowsCols(o[0])
      return .activationGradSumRows(
        a, rows: rows, cols: cols, dy: try ptr(o[0]), y: try ptr(o[1]), dz: try ptr(r[0]), db: try ptr(r[1]))
    case .unary(let f):
      return .unary(unaryOp(f), x: try ptr(o[0]), y: try ptr(r[0]), count: count(r[0]))
    case .unaryGrad(let f):
      return .unaryGrad(
        unaryOp(f), dy: try ptr(o[0]), x: try ptr(o[1]), y: try ptr(o[2]), dx: try ptr(r[0]), count: count(r[0]))
    case .binary(let f):
      let op: Kernels.BinaryOp =
        switch f {
        case .add: .add
        case .subtract: .sub
        case .multiply: .mul
        case .divide: .div
        }
      return .binary(
        op, a: try ptr(o[0]), aCount: count(o[0]), b: try ptr(o[1]), bCount: count(o[1]), out: try ptr(r[0]),
        count: count(r[0]))
    case .scale(let c):
      return .scale(c, x: try ptr(o[0]), y: try ptr(r[0]), count: count(r[0]))
    case .concat(let axis):
      // Along any axis: rows are the outer block, each operand contributes `axis · inner` columns.
      let (outer, _, inner) = split(g.shape(of: r[0]), at: axis)
      var inputs: [(pointer: UnsafePointer<Float>, cols: Int)] = []
      for v in o { inputs.append((UnsafePointer(try ptr(v)), split(g.shape(of: v), at: axis).length * inner)) }
      return .concat(rows: outer, inputs: inputs, out: try ptr(r[0]))
    case .slice(let axis, let start, let length):
      let (outer, n, inner) = split(g.shape(of: o[0]), at: axis)
      return .slice(
        rows: outer, sourceCols: n * inner, start: start * inner, length: length * inner, source: try ptr(o[0]),
        out: try ptr(r[0]))
    case .padSlice(let axis, let start, let total):
      let (outer, n, inner) = split(g.shape(of: o[0]), at: axis)
      return .padSlice(
        rows: outer, totalCols: total * inner, start: start * inner, length: n * inner, source: try ptr(o[0]),
        out: try ptr(r[0]))
    case .reshape:
      // A view when the plan gave both the same memory; a copy when the result is pinned elsewhere.
      let (x, y) = (try ptr(o[0]), try ptr(r[0]))
      return x == y ? nil : .copy(x: x, y: y, count: count(r[0]))
    case .oneHot(let k):
      return .oneHot(labels: try ptr(o[0]), count: count(o[0]), classes: k, out: try ptr(r[0]))
    case .sum:
      return .sum(x: try ptr(o[0]), count: count(o[0]), out: try ptr(r[0]))
    case .mean:
      return .mean(x: try ptr(o[0]), count: count(o[0]), out: try ptr(r[0]))
    case .reduceAxis(let kind, let axis):
      let (outer, n, inner) = split(g.shape(of: o[0]), at: axis)
      return .reduceAxis(kind, outer: outer, length: n, inner: inner, x: try ptr(o[0]), out: try ptr(r[0]))
    case .maxMask(let axis):
      let (outer, n, inner) = split(g.shape(of: o[0]), at: axis)
      return .maxMask(outer: outer, length: n, inner: inner, x: try ptr(o[0]), max: try ptr(o[1]), out: try ptr(r[0]))
    case .broadcastAxis(let axis, _):
      let (outer, n, inner) = split(g.shape(of: r[0]), at: axis)
      return .broadcastAxis(outer: outer, length: n, inner: inner, x: try ptr(o[0]), out: try ptr(r[0]))
    case .broadcast:
      return .broadcast(x: try ptr(o[0]), out: try ptr(r[0]), count: count(r[0]))
    case .loss(let f):
      return .loss(f, p: try ptr(o[0]), t: try ptr(o[1]), count: count(o[0]), out: try ptr(r[0]))
    case .lossGrad(let f):
      return .lossGrad(f, p: try ptr(o[0]), t: try ptr(o[1]), count: count(o[0]), dx: try ptr(r[0]))
    case .accuracy:
      return .accuracy(p: try ptr(o[0]), t: try ptr(o[1]), count: count(o[0]), out: try ptr(r[0]))
    case .lossWithGrad(let f):
      return .lossWithGrad(
        f, p: try ptr(o[0]), t: try ptr(o[1]), count: count(o[0]), out: try ptr(r[0]), dx: try ptr(r[1]))
    }
  }

  static func unaryOp(_ f: UnaryFunction) -> Kernels.UnaryOp {
    switch f {
    case .negate: .neg
    case .exp: .exp
    case .log: .log
    case .sqrt: .sqrt
    case .abs: .abs
    case .square: .square
    }
  }

  func execute() {
    switch self {
    case .gemm(let ta, let tb, let m, let n, let k, let a, let lda, let b, let ldb, let c, let threads):
      Kernels.gemm(
        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c,
        ldc: n, threads: threads)
    case .dense(let act, let m, let n, let k, let x, let w, let bias, let out, let threads):
      Kernels.gemm(
        transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: x, lda: k, b: w, ldb: n, beta: 0, c: out,
        ldc: n, threads: threads)
      if let bias {
        Kernels.biasActivation(rows: m, cols: n, bias: bias, activation: act, data: out)
      } else if act != .identity {
        Kernels.activate(act, out, out, count: m * n)
      }
    case .addBias(let rows, let cols, let x, let bias, let out):
      Kernels.addBias(rows: rows, cols: cols, x: x, bias: bias, out: out)
    case .sumRows(let rows, let cols, let x, let out):
      Kernels.sumRows(rows: rows, cols: cols, x: x, out: out)
    case .activation(let a, let x, let y, let count):
      Kernels.activate(a, x, y, count: count)
    case .activationGrad(let a, let dy, let y, let dx, let count):
      Kernels.activationBackward(a, dy: dy, y: y, dx: dx, count: count)
    case .activationGradSumRows(let a, let rows, let cols, let dy, let y, let dz, let db):
      Kernels.activationBackwardBiasReduce(a, rows: rows, cols: cols, dy: dy, y: y, dz: dz, dbias: db)
    case .unary(let f, let x, let y, let count):
      Kernels.unary(f, x, y, count: count)
    case .unaryGrad(let f, let dy, let x, let y, let dx, let count):
      Kernels.unaryBackward(f, dy: dy, x: x, y: y, dx: dx, count: count)
    case .binary(let f, let a, let aCount, let b, let bCount, let out, let count):
      Kernels.binary(f, a, aCount: aCount, b, bCount: bCount, out, count: count)
    case .scale(let c, let x, let y, let count):
      Kernels.scale(x, by: c, y, count: count)
    case .concat(let rows, let inputs, let out):
      Kernels.concatLastAxis(rows: rows, inputs: inputs, out: out)
    case .slice(let rows, let sourceCols, let start, let length, let source, let out):
      Kernels.sliceLastAxis(rows: rows, sourceCols: sourceCols, start: start, length: length, source: source, out: out)
    case .padSlice(let rows, let totalCols, let start, let length, let source, let out):
      Kernels.fill(out, count: rows * totalCols, value: 0)
      Kernels.addSliceLastAxis(rows: rows, sourceCols: totalCols, start: start, length: length, x: source, out: out)
    case .copy(let x, let y, let count):
      Kernels.copy(x, y, count: count)
    case .oneHot(let labels, let count, let classes, let out):
      _ = Kernels.oneHot(labels: labels, count: count, classes: classes, out: out)
    case .sum(let x, let count, let out):
      out.pointee = Kernels.sum(x, count: count)
    case .mean(let x, let count, let out):
      out.pointee = Kernels.mean(x, count: count)
    case .reduceAxis(let kind, let outer, let n, let inner, let x, let out):
      if kind == .max {
        Kernels.maxAxis(outer: outer, length: n, inner: inner, x: x, out: out)
      } else {
        Kernels.sumAxis(outer: outer, length: n, inner: inner, x: x, out: out)
        if kind == .mean { Kernels.scale(out, by: 1 / Float(n), out, count: outer * inner) }
      }
    case .maxMask(let outer, let n, let inner, let x, let max, let out):
      Kernels.maxMask(outer: outer, length: n, inner: inner, x: x, max: max, out: out)
    case .broadcastAxis(let outer, let n, let inner, let x, let out):
      Kernels.broadcastAxis(outer: outer, length: n, inner: inner, x: x, out: out)
    case .broadcast(let x, let out, let count):
      Kernels.fill(out, count: count, value: x.pointee)
    case .loss(let f, let p, let t, let count, let out):
      switch f {
      case .bceLogits: out.pointee = Kernels.bceWithLogits(logits: p, targets: t, count: count)
      case .bce: out.pointee = Kernels.bce(probabilities: p, targets: t, count: count)
      case .mse: out.pointee = Kernels.mse(a: p, b: t, count: count)
      case .l1: out.pointee = Kernels.l1(a: p, b: t, count: count)
      }
    case .lossGrad(let f, let p, let t, let count, let dx):
      switch f {
      case .bceLogits: Kernels.bceWithLogitsGradient(logits: p, targets: t, count: count, scale: 1, dx: dx)
      case .bce: Kernels.bceGradient(probabilities: p, targets: t, count: count, scale: 1, dx: dx)
      case .mse: Kernels.mseGradient(a: p, b: t, count: count, scale: 1, da: dx)
      case .l1: Kernels.l1Gradient(a: p, b: t, count: count, scale: 1, da: dx)
      }
    case .conv(let s, let large, let weights, let small, let scratch, let threads):
      Kernels.conv(s, large: large, weights: weights, small: small, scratch: scratch, threads: threads)
    case .convTranspose(let s, let small, let weights, let large, let scratch, let threads):
      Kernels.convTranspose(s, small: small, weights: weights, large: large, scratch: scratch, threads: threads)
    case .convFilterGrad(let s, let large, let small, let weights, let scratch, let threads):
      Kernels.convFilterGrad(s, large: large, small: small, weights: weights, scratch: scratch, threads: threads)
    case .updateState(let statistic, let state, let count, let momentum, let correction):
      Kernels.updateState(statistic: statistic, state: state, count: count, momentum: momentum, correction: correction)
    case .dropoutMask(let u, let mask, let count, let rate):
      Kernels.dropoutMask(u, mask, count: count, rate: rate)
    case .softmax(let rows, let cols, let x, let y):
      Kernels.softmax(rows: rows, cols: cols, x: x, y: y)
    case .argmax(let rows, let cols, let x, let y):
      Kernels.argmax(rows: rows, cols: cols, x: x, y: y)
    case .transpose(let shape, let permutation, let x, let y):
      Kernels.transpose(shape: shape, permutation: permutation, x: x, y: y)
    case .accuracy(let p, let t, let count, let out):
      out.pointee = Kernels.accuracy(logits: p, targets: t, count: count)
    case .lossWithGrad(let f, let p, let t, let count, let out, let dx):
      switch f {
      case .bceLogits:
        out.pointee = Kernels.bceWithLogitsForwardBackward(logits: p, targets: t, count: count, scale: 1, dx: dx)
      case .bce:
        out.pointee = Kernels.bce(probabilities: p, targets: t, count: count)
        Kernels.bceGradient(probabilities: p, targets: t, count: count, scale: 1, dx: dx)
      case .mse:
        out.pointee = Kernels.mse(a: p, b: t, count: count)
        Kernels.mseGradient(a: p, b: t, count: count, scale: 1, da: dx)
      case .l1:
        out.pointee = Kernels.l1(a: p, b: t, count: count)
        Kernels.l1Gradient(a: p, b: t, count: count, scale: 1, da: dx)
      }
    }
  }
}
