import GancIR
import GancRuntime
import GancTestSupport
import Glibc
import Testing

/// Odd and even sizes, including ones below and above a SIMD width and a loop remainder.
let elementwiseSizes = [1, 3, 17, 64, 1031]

let activations: [Activation] = [.identity, .relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid]

@Suite struct ElementwiseTests {
  static let unaryOps: [Kernels.UnaryOp] = [.neg, .exp, .log, .sqrt, .abs, .square]

  /// Inputs inside each op's domain, never zero and at least 0.1 from any kink.
  static func input(_ op: Kernels.UnaryOp, _ n: Int, _ rng: inout SplitMix64) -> [Float] {
    switch op {
    case .log, .sqrt: rng.array(n, 0.1...4)
    default: rng.signedArray(n, 0.1...3)
    }
  }

  static func reference(_ op: Kernels.UnaryOp, _ x: Double) -> Double {
    switch op {
    case .neg: -x
    case .exp: exp(x)
    case .log: log(x)
    case .sqrt: x.squareRoot()
    case .abs: Swift.abs(x)
    case .square: x * x
    }
  }

  static func referenceDerivative(_ op: Kernels.UnaryOp, _ x: Double) -> Double {
    switch op {
    case .neg: -1
    case .exp: exp(x)
    case .log: 1 / x
    case .sqrt: 0.5 / x.squareRoot()
    case .abs: x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .square: 2 * x
    }
  }

  /// Tolerance: relative 1e-6 (≈ 8 ulp). Each op is one correctly rounded instruction or a
  /// Glibc call accurate to ≤ 1 ulp, on exactly representable inputs, so float32 should
  /// agree with Double to ~1 ulp; the margin absorbs libm variation across versions.
  @Test(arguments: unaryOps, elementwiseSizes)
  func unaryMatchesReference(op: Kernels.UnaryOp, n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(Self.unaryOps.firstIndex(of: op)!, n))
    let x = Self.input(op, n, &rng)
    let X = mem.buffer(x), Y = mem.buffer(count: n)
    Kernels.unary(op, X.c, Y.p, count: n)
    expectClose(Y.array, x.map { Self.reference(op, Double($0)) }, rtol: 1e-6, "y")

    // In place must equal out of place bit for bit (the aliased loop is a separate path).
    Kernels.unary(op, X.c, X.p, count: n)
    expectIdentical(X.array, Y.array, "in-place y")
  }

  /// Checks `unaryBackward` twice: against the analytic derivative in Double (relative
  /// 1e-6 plus 1e-6·|dy| absolute for the one or two extra roundings), and against central
  /// finite differences of the `unary` kernel itself. For the latter, the step is
  /// h = 1e-3·max(1, |x|), so truncation error (h²·|f'''|/6) is ≲ 1e-5 relative, and the
  /// float32 rounding of the forward values contributes ≲ ulp(y)/h ≈ 1e-4 absolute; a
  /// relative 1e-3 plus absolute 1e-3 tolerance covers both, while any wrong formula is
  /// off by O(1). The difference quotient divides by the actually representable step.
  @Test(arguments: unaryOps, elementwiseSizes)
  func unaryBackwardMatchesDerivative(op: Kernels.UnaryOp, n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(Self.unaryOps.firstIndex(of: op)!, n, 1))
    let x = Self.input(op, n, &rng)
    let dy = rng.signedArray(n, 0.1...2)
    let X = mem.buffer(x), Y = mem.buffer(count: n), DY = mem.buffer(dy), DX = mem.buffer(count: n)
    Kernels.unary(op, X.c, Y.p, count: n)
    Kernels.unaryBackward(op, dy: DY.c, x: X.c, y: Y.c, dx: DX.p, count: n)
    let dx = DX.array
    expectClose(
      dx, (0..<n).map { Double(dy[$0]) * Self.referenceDerivative(op, Double(x[$0])) },
      rtol: 1e-6, atol: 2e-6, "dx vs analytic")

    let xp = x.map { $0 + 1e-3 * max(1, abs($0)) }
    let xm = x.map { $0 - 1e-3 * max(1, abs($0)) }
    let P = mem.buffer(xp), M = mem.buffer(xm), YP = mem.buffer(count: n), YM = mem.buffer(count: n)
    Kernels.unary(op, P.c, YP.p, count: n)
    Kernels.unary(op, M.c, YM.p, count: n)
    let (yp, ym) = (YP.array, YM.array)
    let fd = (0..<n).map { i in
      Double(dy[i]) * centralDifference(yp[i], ym[i], step: xp[i], xm[i])
    }
    expectClose(dx, fd, rtol: 1e-3, atol: 1e-3, "dx vs finite differences")

    // dx may alias dy.
    Kernels.unaryBackward(op, dy: DY.c, x: X.c, y: Y.c, dx: DY.p, count: n)
    expectIdentical(DY.array, dx, "in-place dx")
  }

  /// Edge values follow IEEE: sqrt of a negative number is NaN, sqrt(±0) = ±0, sqrt(∞) = ∞,
  /// log(0) = −∞, and NaN propagates through every op.
  @Test func unaryEdgeValues() {
    let mem = Arena()
    defer { mem.release() }
    let X = mem.buffer([-1, -0.0, 0, .infinity, .nan, 4]), Y = mem.buffer(count: 6)
    Kernels.unary(.sqrt, X.c, Y.p, count: 6)
    let y = Y.array
    #expect(y[0].isNaN && y[4].isNaN)
    #expect(y[1] == 0 && y[1].sign == .minus && y[2] == 0 && y[2].sign == .plus)
    #expect(y[3] == .infinity && y[5] == 2)
    Kernels.unary(.log, X.c, Y.p, count: 6)
    #expect(Y.array[0].isNaN && Y.array[2] == -.infinity && Y.array[4].isNaN)
    for op in Self.unaryOps {
      Kernels.unary(op, X.c + 4, Y.p, count: 1)
      #expect(Y.p[0].isNaN, "\(op) of NaN")
    }
  }

  /// abs uses sign(0) = 0: an exact zero receives no gradient.
  @Test func absBackwardAtZero() {
    let mem = Arena()
    defer { mem.release() }
    let X = mem.buffer([0, -0.0, 2, -2]), Y = mem.buffer(count: 4), DY = mem.buffer([3, 3, 3, 3])
    let DX = mem.buffer(count: 4)
    Kernels.unary(.abs, X.c, Y.p, count: 4)
    Kernels.unaryBackward(.abs, dy: DY.c, x: X.c, y: Y.c, dx: DX.p, count: 4)
    #expect(DX.array == [0, 0, 3, -3])
  }

  static let binaryOps: [Kernels.BinaryOp] = [.add, .sub, .mul, .div, .maximum, .minimum]

  static func reference(_ op: Kernels.BinaryOp, _ a: Float, _ b: Float) -> Float {
    // Double has more than 2·24 + 2 significand bits, so rounding the exact Double result
    // to Float equals the correctly rounded float32 operation: the kernels must be exact.
    let (x, y) = (Double(a), Double(b))
    return switch op {
    case .add: Float(x + y)
    case .sub: Float(x - y)
    case .mul: Float(x * y)
    case .div: Float(x / y)
    case .maximum: Swift.max(a, b)
    case .minimum: Swift.min(a, b)
    }
  }

  /// Every broadcast shape (full/full, scalar/full, full/scalar, scalar/scalar), out of
  /// place and in place. Exact equality: see `reference`.
  @Test(arguments: binaryOps, elementwiseSizes)
  func binaryMatchesReference(op: Kernels.BinaryOp, n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(Self.binaryOps.firstIndex(of: op)!, n, 2))
    for (aCount, bCount) in [(n, n), (1, n), (n, 1), (1, 1)] {
      let a = rng.signedArray(aCount, 0.1...3), b = rng.signedArray(bCount, 0.1...3)
      let want = (0..<n).map { Self.reference(op, a[aCount == 1 ? 0 : $0], b[bCount == 1 ? 0 : $0]) }
      let A = mem.buffer(a), B = mem.buffer(b), O = mem.buffer(count: n)
      Kernels.binary(op, A.c, aCount: aCount, B.c, bCount: bCount, O.p, count: n)
      expectIdentical(O.array, want, "\(op) shapes \(aCount),\(bCount)")
      if aCount == n {
        Kernels.binary(op, A.c, aCount: aCount, B.c, bCount: bCount, A.p, count: n)
        expectIdentical(A.array, want, "\(op) out == a")
      }
      if bCount == n {
        let A2 = mem.buffer(a), B2 = mem.buffer(b)
        Kernels.binary(op, A2.c, aCount: aCount, B2.c, bCount: bCount, B2.p, count: n)
        expectIdentical(B2.array, want, "\(op) out == b")
      }
    }
  }

  /// maximum/minimum propagate NaN from either operand (unlike fmaxf/fminf) and are
  /// otherwise exact.
  @Test(arguments: [Kernels.BinaryOp.maximum, .minimum])
  func extremaPropagateNaN(op: Kernels.BinaryOp) {
    let mem = Arena()
    defer { mem.release() }
    let A = mem.buffer([.nan, 1, .nan, 2, 5]), B = mem.buffer([1, .nan, .nan, 3, 5]), O = mem.buffer(count: 5)
    Kernels.binary(op, A.c, aCount: 5, B.c, bCount: 5, O.p, count: 5)
    let o = O.array
    #expect(o[0].isNaN && o[1].isNaN && o[2].isNaN)
    #expect(o[3] == (op == .maximum ? 3 : 2) && o[4] == 5)
  }

  /// scale is one rounding (exact against Double-then-round); axpy is two (multiply,
  /// add), so its bound is 2·u·(|y| + |αx|).
  @Test(arguments: elementwiseSizes)
  func scaleAxpyFillCopy(n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, 3))
    let x = rng.signedArray(n, 0.1...3), y = rng.signedArray(n, 0.1...3)
    let s = rng.signed(0.1...2)
    let X = mem.buffer(x), Y = mem.buffer(count: n)
    Kernels.scale(X.c, by: s, Y.p, count: n)
    #expect(Y.array == x.map { Float(Double(s) * Double($0)) })
    Kernels.scale(X.c, by: s, X.p, count: n)
    #expect(X.array == Y.array)

    let Z = mem.buffer(y), X2 = mem.buffer(x)
    Kernels.axpy(alpha: s, x: X2.c, y: Z.p, count: n)
    let z = Z.array
    for i in 0..<n {
      let want = Double(y[i]) + Double(s) * Double(x[i])
      let bound = 2 * u32 * (abs(Double(y[i])) + abs(Double(s) * Double(x[i])))
      #expect(abs(Double(z[i]) - want) <= bound, "axpy[\(i)]")
    }

    let F = mem.buffer(count: n)
    Kernels.fill(F.p, count: n, value: s)
    #expect(F.array == [Float](repeating: s, count: n))
    let C = mem.buffer(count: n)
    Kernels.copy(X2.c, C.p, count: n)
    #expect(C.array == x)
    Kernels.copy(C.c, C.p, count: n)
    #expect(C.array == x)
  }

  static func reference(_ act: Activation, _ x: Double) -> Double {
    switch act {
    case .identity: x
    case .relu: Swift.max(x, 0)
    case .leakyRelu(let s): x > 0 ? x : Double(s) * x
    case .tanh: tanh(x)
    case .sigmoid: 1 / (1 + exp(-x))
    }
  }

  static func referenceBackward(_ act: Activation, dy: Double, y: Double) -> Double {
    switch act {
    case .identity: dy
    case .relu: y > 0 ? dy : 0
    case .leakyRelu(let s): y > 0 ? dy : Double(s) * dy
    case .tanh: dy * (1 - y * y)
    case .sigmoid: dy * y * (1 - y)
    }
  }

  /// Forward: relative 1e-6 (tanhf ≤ 2 ulp; sigmoid is expf plus two roundings, and the
  /// exp error is damped by (1 − σ)). Inputs up to ±6 reach the saturating regions.
  @Test(arguments: activations, elementwiseSizes)
  func activateMatchesReference(act: Activation, n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(activations.firstIndex(of: act)!, n, 4))
    let x = rng.signedArray(n, 0.1...6)
    let X = mem.buffer(x), Y = mem.buffer(count: n)
    Kernels.activate(act, X.c, Y.p, count: n)
    expectClose(Y.array, x.map { Self.reference(act, Double($0)) }, rtol: 1e-6, "y")
    Kernels.activate(act, X.c, X.p, count: n)
    expectIdentical(X.array, Y.array, "in-place y")
  }

  /// Backward from the output y: against the formula in Double given the same float y
  /// (relative 1e-6 plus absolute 4·u·|dy|, since 1 − y² and 1 − y lose absolute
  /// precision ~u), and against central differences of `activate` with h = 1e-3 (|x| ≥ 0.1,
  /// so no step crosses the relu kink): truncation ≤ h²·|f'''|/6 < 1e-6, rounding of the
  /// forward outputs ≲ ulp(1)/h ≈ 1e-4, hence relative 1e-3 plus absolute 1e-3.
  @Test(arguments: activations, elementwiseSizes)
  func activationBackwardMatchesDerivative(act: Activation, n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(activations.firstIndex(of: act)!, n, 5))
    let x = rng.signedArray(n, 0.1...6)
    let dy = rng.signedArray(n, 0.1...2)
    let X = mem.buffer(x), Y = mem.buffer(count: n), DY = mem.buffer(dy), DX = mem.buffer(count: n)
    Kernels.activate(act, X.c, Y.p, count: n)
    let y = Y.array
    Kernels.activationBackward(act, dy: DY.c, y: Y.c, dx: DX.p, count: n)
    let dx = DX.array
    expectClose(
      dx, (0..<n).map { Self.referenceBackward(act, dy: Double(dy[$0]), y: Double(y[$0])) },
      rtol: 1e-6, atol: 8 * u32, "dx vs formula")

    let xp = x.map { $0 + 1e-3 }, xm = x.map { $0 - 1e-3 }
    let P = mem.buffer(xp), M = mem.buffer(xm)
    Kernels.activate(act, P.c, P.p, count: n)
    Kernels.activate(act, M.c, M.p, count: n)
    let (yp, ym) = (P.array, M.array)
    let fd = (0..<n).map { i in
      Double(dy[i]) * centralDifference(yp[i], ym[i], step: xp[i], xm[i])
    }
    expectClose(dx, fd, rtol: 1e-3, atol: 1e-3, "dx vs finite differences")

    Kernels.activationBackward(act, dy: DY.c, y: Y.c, dx: DY.p, count: n)
    expectIdentical(DY.array, dx, "in-place dx")
  }

  /// Saturation never produces NaN: sigmoid of ±100 is exactly 0 or 1 and tanh ±1, with
  /// zero gradient; NaN inputs stay NaN rather than being silently clipped.
  @Test(arguments: activations)
  func activationExtremes(act: Activation) {
    let mem = Arena()
    defer { mem.release() }
    let X = mem.buffer([-100, 100, -1e30, 1e30, .nan]), Y = mem.buffer(count: 5)
    Kernels.activate(act, X.c, Y.p, count: 5)
    let y = Y.array
    #expect(y[0..<4].allSatisfy { !$0.isNaN })
    #expect(y[4].isNaN)
    let DY = mem.buffer([1, 1, 1, 1, 1]), DX = mem.buffer(count: 5)
    Kernels.activationBackward(act, dy: DY.c, y: Y.c, dx: DX.p, count: 5)
    #expect(DX.array[0..<4].allSatisfy { $0.isFinite })
    if act == .sigmoid || act == .tanh {
      #expect(DX.array[0..<4].allSatisfy { $0 == 0 })
    }
  }
}
