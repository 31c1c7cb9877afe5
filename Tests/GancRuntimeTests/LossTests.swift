import GancRuntime
import GancTestSupport
import Glibc
import Testing

let lossSizes = [1, 3, 17, 64, 130]

/// Central finite differences of a scalar loss kernel with respect to each element of `x`,
/// computed in Double from the float32 kernel outputs (`scale · ∂L/∂x_i`).
func lossFiniteDifferences(
  _ x: [Float], scale: Float, step: (Float) -> Float, loss: (UnsafePointer<Float>) -> Float
) -> [Double] {
  let mem = Arena()
  defer { mem.release() }
  let X = mem.buffer(x)
  return (0..<x.count).map { i in
    let h = step(x[i])
    let (xp, xm) = (x[i] + h, x[i] - h)
    X.p[i] = xp
    let lp = loss(X.c)
    X.p[i] = xm
    let lm = loss(X.c)
    X.p[i] = x[i]
    return Double(scale) * centralDifference(lp, lm, step: xp, xm)
  }
}

/// The worst-case effect on a central difference of the float32 rounding of the loss:
/// each of the two evaluations is off by at most ½ ulp (the loss is near `loss`, so we use
/// 2·ulp(loss) for headroom), and their difference is divided by 2h.
func fdNoise(_ loss: Float, scale: Float, h: Double) -> Double {
  Double(abs(scale)) * 2 * Double(loss.ulp) / (2 * h)
}

@Suite struct LossTests {
  /// Logits in ±[0.1, 8] and soft targets in [0, 1] (hard 0/1 targets for half the cases).
  static func bceInputs(_ n: Int, hard: Bool, _ rng: inout SplitMix64) -> ([Float], [Float]) {
    let x = rng.signedArray(n, 0.1...8)
    let t = hard ? (0..<n).map { _ in Float(Bool.random(using: &rng) ? 1 : 0) } : rng.array(n, 0...1)
    return (x, t)
  }

  static func referenceBCEWithLogits(_ x: [Float], _ t: [Float]) -> Double {
    var s = 0.0
    for (xf, tf) in zip(x, t) {
      let (x, t) = (Double(xf), Double(tf))
      s += Swift.max(x, 0) - x * t + log1p(exp(-abs(x)))
    }
    return s / Double(x.count)
  }

  /// Reference loss in Double. Tolerance: each float32 term has absolute error ≲ 4u·(|x|+1)
  /// (the `max(x,0) − x·t` part can cancel, so the error is relative to |x|, not to the
  /// term); averaging keeps that bound, so atol = 4u·(mean|x| + 1) plus relative 1e-6.
  @Test(arguments: lossSizes, [false, true])
  func bceWithLogitsMatchesReference(n: Int, hard: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, hard ? 1 : 0, 20))
    let (x, t) = Self.bceInputs(n, hard: hard, &rng)
    let X = mem.buffer(x), T = mem.buffer(t)
    let got = Kernels.bceWithLogits(logits: X.c, targets: T.c, count: n)
    let want = Self.referenceBCEWithLogits(x, t)
    let meanAbs = x.reduce(0.0) { $0 + abs(Double($1)) } / Double(n)
    #expect(isClose(got, want, rtol: 1e-6, atol: 4 * u32 * (meanAbs + 1)), "\(got) vs \(want)")
  }

  /// Gradient against (a) the formula `scale·(σ(x) − t)/n` in Double — relative 1e-6 plus
  /// absolute 4u·|scale|/n for the cancellation in σ − t — and (b) central differences of
  /// the loss kernel with h = 1e-2: truncation h²·|σ''|/6/n < 2e-6/n, while the two float32
  /// roundings of the returned loss (½ ulp(L) each) divided by 2h give at most
  /// ulp(L)/(2h)·|scale| (see `fdNoise`); relative 1e-3 on top.
  @Test(arguments: lossSizes.filter { $0 <= 64 }, [false, true])
  func bceWithLogitsGradientMatchesDerivative(n: Int, hard: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, hard ? 1 : 0, 21))
    let (x, t) = Self.bceInputs(n, hard: hard, &rng)
    let scale = rng.signed(0.5...2)
    let X = mem.buffer(x), T = mem.buffer(t), DX = mem.buffer(count: n)
    Kernels.bceWithLogitsGradient(logits: X.c, targets: T.c, count: n, scale: scale, dx: DX.p)
    let dx = DX.array
    let formula = (0..<n).map {
      Double(scale) * (1 / (1 + exp(-Double(x[$0]))) - Double(t[$0])) / Double(n)
    }
    expectClose(dx, formula, rtol: 1e-6, atol: 4 * u32 * Double(abs(scale)) / Double(n), "dx vs formula")

    let fd = lossFiniteDifferences(x, scale: scale, step: { _ in 1e-2 }) {
      Kernels.bceWithLogits(logits: $0, targets: T.c, count: n)
    }
    let loss = Kernels.bceWithLogits(logits: X.c, targets: T.c, count: n)
    expectClose(
      dx, fd, rtol: 1e-3, atol: fdNoise(loss, scale: scale, h: 1e-2) + 2e-6 / Double(n),
      "dx vs finite differences")
  }

  /// The fused kernel equals the two separate kernels bit for bit, including when dx
  /// overwrites the logits.
  @Test(arguments: lossSizes, [false, true])
  func bceWithLogitsForwardBackwardMatchesUnfused(n: Int, hard: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, hard ? 1 : 0, 22))
    let (x, t) = Self.bceInputs(n, hard: hard, &rng)
    let scale = rng.signed(0.5...2)
    let X = mem.buffer(x), T = mem.buffer(t), DX = mem.buffer(count: n), DX2 = mem.buffer(count: n)
    let fused = Kernels.bceWithLogitsForwardBackward(
      logits: X.c, targets: T.c, count: n, scale: scale, dx: DX.p)
    let loss = Kernels.bceWithLogits(logits: X.c, targets: T.c, count: n)
    Kernels.bceWithLogitsGradient(logits: X.c, targets: T.c, count: n, scale: scale, dx: DX2.p)
    #expect(fused.bitPattern == loss.bitPattern, "\(fused) vs \(loss)")
    expectIdentical(DX.array, DX2.array, "dx")

    let inPlace = Kernels.bceWithLogitsForwardBackward(
      logits: X.c, targets: T.c, count: n, scale: scale, dx: X.p)
    #expect(inPlace.bitPattern == loss.bitPattern)
    expectIdentical(X.array, DX2.array, "dx in place")
  }

  /// Saturated logits: the stable form must stay finite and accurate (no NaN from
  /// ∞ − ∞ or log(0)), and σ for very negative logits keeps its tiny value.
  @Test(arguments: [Float(30), 100, 1e4])
  func bceWithLogitsLargeLogitsStayFinite(magnitude: Float) {
    let mem = Arena()
    defer { mem.release() }
    let x: [Float] = [magnitude, -magnitude, magnitude, -magnitude]
    let t: [Float] = [1, 0, 0, 1]
    let X = mem.buffer(x), T = mem.buffer(t), DX = mem.buffer(count: 4)
    let loss = Kernels.bceWithLogitsForwardBackward(
      logits: X.c, targets: T.c, count: 4, scale: 4, dx: DX.p)
    #expect(loss.isFinite)
    // Two correct confident predictions (~e^{−|x|}) and two wrong ones (~|x|).
    #expect(isClose(loss, Self.referenceBCEWithLogits(x, t), rtol: 1e-6))
    let dx = DX.array
    #expect(dx.allSatisfy { $0.isFinite })
    // scale/n = 1: dx = σ(x) − t.
    let want = (0..<4).map { 1 / (1 + exp(-Double(x[$0]))) - Double(t[$0]) }
    // σ(30) − 1 = −9.4e-14 is not representable next to 1 in float32 and rounds to 0, as
    // in any float32 framework: absolute error up to u, relative 1e-6 elsewhere.
    expectClose(dx, want, rtol: 1e-6, atol: u32, "dx")
    #expect(Kernels.bceWithLogits(logits: X.c, targets: T.c, count: 4) == loss)
  }

  // MARK: BCE on probabilities

  static func referenceBCE(_ p: Float, _ t: Float) -> Double {
    let pc = Double(Swift.min(Swift.max(p, 1e-7), 1 - 1e-7))
    let t = Double(t)
    return -(t * log(pc) + (1 - t) * log1p(-pc))
  }

  /// All terms are positive, so the mean has no cancellation: relative 2e-6 (a few ulp per
  /// term from logf/log1pf, the products and the sum).
  @Test(arguments: lossSizes, [false, true])
  func bceMatchesReference(n: Int, hard: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, hard ? 1 : 0, 23))
    let p = rng.array(n, 0.01...0.99)
    let t = hard ? (0..<n).map { _ in Float(Bool.random(using: &rng) ? 1 : 0) } : rng.array(n, 0...1)
    let P = mem.buffer(p), T = mem.buffer(t)
    let got = Kernels.bce(probabilities: P.c, targets: T.c, count: n)
    let want = (0..<n).reduce(0.0) { $0 + Self.referenceBCE(p[$1], t[$1]) } / Double(n)
    #expect(isClose(got, want, rtol: 2e-6), "\(got) vs \(want)")
  }

  /// Gradient against the formula and against central differences with a step relative to
  /// the distance from the nearest pole, h = 1e-2·min(p, 1 − p): truncation is then
  /// ≲ h²/(3·min(p,1−p)²) ≈ 3e-5 relative; loss rounding as in `fdNoise`.
  @Test(arguments: lossSizes.filter { $0 <= 64 }, [false, true])
  func bceGradientMatchesDerivative(n: Int, hard: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, hard ? 1 : 0, 24))
    let p = rng.array(n, 0.05...0.95)
    let t = hard ? (0..<n).map { _ in Float(Bool.random(using: &rng) ? 1 : 0) } : rng.array(n, 0...1)
    let scale = rng.signed(0.5...2)
    let P = mem.buffer(p), T = mem.buffer(t), DX = mem.buffer(count: n)
    Kernels.bceGradient(probabilities: P.c, targets: T.c, count: n, scale: scale, dx: DX.p)
    let dx = DX.array
    let formula = (0..<n).map { i -> Double in
      let (p, t) = (Double(p[i]), Double(t[i]))
      return Double(scale) * (p - t) / (p * (1 - p)) / Double(n)
    }
    expectClose(dx, formula, rtol: 1e-5, atol: 4 * u32 * 20 * Double(abs(scale)) / Double(n), "dx vs formula")

    let fd = lossFiniteDifferences(p, scale: scale, step: { 1e-2 * Swift.min($0, 1 - $0) }) {
      Kernels.bce(probabilities: $0, targets: T.c, count: n)
    }
    // The smallest step is 1e-2·0.05, which bounds the rounding noise.
    let loss = Kernels.bce(probabilities: P.c, targets: T.c, count: n)
    expectClose(
      dx, fd, rtol: 2e-3, atol: fdNoise(loss, scale: scale, h: 5e-4), "dx vs finite differences")
  }

  /// Probabilities at or beyond 0 and 1 are clamped like Keras: the loss stays finite
  /// (−log(1e-7) ≈ 16.12 for a confident wrong answer) and the gradient is 0 where the
  /// clamp is active, because the clamped loss is flat there.
  @Test func bceClampsSaturatedProbabilities() {
    let mem = Arena()
    defer { mem.release() }
    let p: [Float] = [0, 1, 1e-12, 1, 0, .nan]
    let t: [Float] = [1, 0, 1, 1, 0, 1]
    let P = mem.buffer(p), T = mem.buffer(t), DX = mem.buffer(count: 6)
    let loss = Kernels.bce(probabilities: P.c, targets: T.c, count: 5)
    let want = (0..<5).reduce(0.0) { $0 + Self.referenceBCE(p[$1], t[$1]) } / 5
    #expect(loss.isFinite && isClose(loss, want, rtol: 1e-6))
    #expect(isClose(Kernels.bce(probabilities: P.c, targets: T.c, count: 1), 16.118095, rtol: 1e-6))
    Kernels.bceGradient(probabilities: P.c, targets: T.c, count: 6, scale: 1, dx: DX.p)
    let dx = DX.array
    #expect(dx[0..<5].allSatisfy { $0 == 0 })
    // NaN is not silently clamped away.
    #expect(Kernels.bce(probabilities: P.c + 5, targets: T.c + 5, count: 1).isNaN)
    #expect(dx[5].isNaN)
  }

  // MARK: Regression losses

  /// mse/l1 take differences in Double, so the result is the Double mean up to one final
  /// rounding (plus Double summation error): relative 2u.
  @Test(arguments: lossSizes)
  func mseAndL1MatchReference(n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, 25))
    let a = rng.signedArray(n, 0.1...3), b = rng.signedArray(n, 0.1...3)
    let A = mem.buffer(a), B = mem.buffer(b)
    var sq = 0.0, ab = 0.0
    for i in 0..<n {
      let d = Double(a[i]) - Double(b[i])
      sq += d * d
      ab += abs(d)
    }
    #expect(isClose(Kernels.mse(a: A.c, b: B.c, count: n), sq / Double(n), rtol: 2 * u32))
    #expect(isClose(Kernels.l1(a: A.c, b: B.c, count: n), ab / Double(n), rtol: 2 * u32))
  }

  /// mse gradient: formula (relative 1e-6: the float difference plus two roundings) and
  /// central differences (the loss is quadratic, so there is no truncation error, only
  /// the rounding noise of `fdNoise`). l1 gradient: exact ±scale/n, and finite differences are
  /// exact away from the kink, which |a − b| ≥ 0.1 > h keeps us from.
  @Test(arguments: lossSizes.filter { $0 <= 64 })
  func mseAndL1GradientsMatchDerivative(n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, 26))
    let a = rng.signedArray(n, 0.1...3)
    let b = a.map { $0 + rng.signed(0.1...1) }
    let scale = rng.signed(0.5...2)
    let A = mem.buffer(a), B = mem.buffer(b), DA = mem.buffer(count: n)

    Kernels.mseGradient(a: A.c, b: B.c, count: n, scale: scale, da: DA.p)
    let da = DA.array
    let twoS = 2 * Double(scale) / Double(n)
    let mseFormula = (0..<n).map { i -> Double in twoS * (Double(a[i]) - Double(b[i])) }
    expectClose(da, mseFormula, rtol: 1e-6, "mse da vs formula")
    let fd = lossFiniteDifferences(a, scale: scale, step: { _ in 1e-2 }) {
      Kernels.mse(a: $0, b: B.c, count: n)
    }
    expectClose(
      da, fd, rtol: 1e-3, atol: fdNoise(Kernels.mse(a: A.c, b: B.c, count: n), scale: scale, h: 1e-2),
      "mse da vs finite differences")

    Kernels.l1Gradient(a: A.c, b: B.c, count: n, scale: scale, da: DA.p)
    let dl = DA.array
    let s = Double(scale) / Double(n)
    let l1Formula = (0..<n).map { i -> Double in a[i] > b[i] ? s : -s }
    expectClose(dl, l1Formula, rtol: u32, "l1 da vs formula")
    let fdl = lossFiniteDifferences(a, scale: scale, step: { _ in 1e-2 }) {
      Kernels.l1(a: $0, b: B.c, count: n)
    }
    expectClose(
      dl, fdl, rtol: 1e-3, atol: fdNoise(Kernels.l1(a: A.c, b: B.c, count: n), scale: scale, h: 1e-2),
      "l1 da vs finite differences")

    // In place on either operand.
    let A2 = mem.buffer(a)
    Kernels.l1Gradient(a: A2.c, b: B.c, count: n, scale: scale, da: A2.p)
    expectIdentical(A2.array, dl, "l1 da == a")
    let B2 = mem.buffer(b)
    Kernels.mseGradient(a: A.c, b: B2.c, count: n, scale: scale, da: B2.p)
    expectIdentical(B2.array, da, "mse da == b")
  }

  /// l1 uses sign(0) = 0: equal elements get no gradient.
  @Test func l1GradientAtTies() {
    let mem = Arena()
    defer { mem.release() }
    let A = mem.buffer([1, 2, 3]), B = mem.buffer([1, 1, 4]), DA = mem.buffer(count: 3)
    Kernels.l1Gradient(a: A.c, b: B.c, count: 3, scale: 3, da: DA.p)
    #expect(DA.array == [0, 1, -1])
  }
}
