import GancRuntime
import GancTestSupport
import Glibc
import Testing

@Suite struct AdamTests {
  /// PyTorch's Adam written out plainly in Double (no weight decay, no amsgrad).
  struct Reference {
    var p: [Double], m: [Double], v: [Double]
    /// The first moment of |g|: the scale against which m's rounding error is measured,
    /// since m itself can cancel to nearly 0 when gradients change sign.
    var mMagnitude: [Double]
    let lr: Double, beta1: Double, beta2: Double, eps: Double

    mutating func step(_ g: [Float], t: Int) {
      let bc1 = 1 - pow(beta1, Double(t)), bc2 = 1 - pow(beta2, Double(t))
      for i in p.indices {
        let gi = Double(g[i])
        m[i] = beta1 * m[i] + (1 - beta1) * gi
        mMagnitude[i] = beta1 * mMagnitude[i] + (1 - beta1) * abs(gi)
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
        let denominator = v[i].squareRoot() / bc2.squareRoot() + eps
        p[i] -= lr / bc1 * m[i] / denominator
      }
    }
  }

  /// Three consecutive steps with fresh gradients, from zero moments, compared with the
  /// Double reference. Tolerances: each moment update costs three roundings (two products
  /// and a sum); v is a sum of positive terms, so relative 1e-6 (≈ 16u) covers three
  /// steps, but m can cancel, so its error is bounded by 16u times the same average taken
  /// of |g| (`mMagnitude`). Each parameter update is O(lr) with error a few u relative to
  /// lr·|m̂|/√v̂ ≲ lr, and storing p rounds to ½ ulp(p) per step: relative 1e-6 plus
  /// absolute lr·1e-5.
  @Test(arguments: [1, 3, 17, 64, 1031], [(Float(1e-3), Float(1e-8)), (0.05, 1e-3)])
  func threeStepsMatchReference(n: Int, hyper: (Float, Float)) {
    let mem = Arena()
    defer { mem.release() }
    let (lr, eps) = hyper
    let (beta1, beta2): (Float, Float) = (0.9, 0.999)
    var rng = SplitMix64(seed: seed(n, Int(lr * 1000), 40))
    let p0 = rng.signedArray(n, 0.1...2)
    let P = mem.buffer(p0), M = mem.buffer(count: n, value: 0), V = mem.buffer(count: n, value: 0)
    var ref = Reference(
      p: p0.map(Double.init), m: .init(repeating: 0, count: n), v: .init(repeating: 0, count: n),
      mMagnitude: .init(repeating: 0, count: n),
      lr: Double(lr), beta1: Double(beta1), beta2: Double(beta2), eps: Double(eps))
    for t in 1...3 {
      // Gradients of mixed scale, as in a real network.
      let g = (0..<n).map { _ in rng.signed(0.01...1) * (Bool.random(using: &rng) ? 1 : 0.01) }
      let G = mem.buffer(g)
      Kernels.adam(
        parameters: P.p, gradients: G.c, firstMoment: M.p, secondMoment: V.p, count: n,
        learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps, step: t)
      ref.step(g, t: t)
      let m = M.array
      for i in 0..<n {
        let bound = 16 * u32 * ref.mMagnitude[i]
        #expect(abs(Double(m[i]) - ref.m[i]) <= bound, "m[\(i)] at step \(t): \(m[i]) vs \(ref.m[i])")
      }
      expectClose(V.array, ref.v, rtol: 1e-6, "v at step \(t)")
      expectClose(P.array, ref.p, rtol: 1e-6, atol: Double(lr) * 1e-5, "p at step \(t)")
    }
  }

  /// At step 1 the bias corrections make the update ≈ lr·sign(g) whatever |g| (for
  /// |g| ≫ ε) — the property that makes Adam's first steps scale-free.
  @Test func firstStepIsSignedLearningRate() {
    let mem = Arena()
    defer { mem.release() }
    let g: [Float] = [3, -0.5, 1e-3, -20]
    let P = mem.buffer(count: 4, value: 0), G = mem.buffer(g)
    let M = mem.buffer(count: 4, value: 0), V = mem.buffer(count: 4, value: 0)
    Kernels.adam(
      parameters: P.p, gradients: G.c, firstMoment: M.p, secondMoment: V.p, count: 4,
      learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, step: 1)
    expectClose(P.array, [-0.01, 0.01, -0.01, 0.01], rtol: 1e-4)
  }
}
