import GancRuntime
import GancTestSupport
import Testing

struct GemmShape: Sendable, CustomStringConvertible {
  var m: Int, n: Int, k: Int
  /// Extra elements per row beyond the minimum leading dimension, to exercise strides.
  var pad: Int
  var description: String { "\(m)x\(n)x\(k)+\(pad)" }
}

/// Serialized because `setThreadCount` changes process-wide OpenBLAS state.
@Suite(.serialized) struct GemmTests {
  static let shapes: [GemmShape] = [
    .init(m: 1, n: 1, k: 1, pad: 0), .init(m: 3, n: 1, k: 17, pad: 0),
    .init(m: 1, n: 17, k: 3, pad: 2), .init(m: 17, n: 3, k: 5, pad: 1),
    .init(m: 64, n: 130, k: 33, pad: 0), .init(m: 64, n: 2, k: 130, pad: 3),
  ]

  /// Runs `gemm` on random data and compares with a Double reference.
  ///
  /// Tolerance: the classical bound for a float32 dot product of length k is
  /// `γ_k·Σ|a_l b_l|` with `γ_k ≈ k·u` (u = 2⁻²⁴); scaling by alpha and adding `beta·c`
  /// costs two more roundings. We allow twice `(k + 2)·u` times the magnitude sum, which
  /// holds for any summation order or FMA use OpenBLAS picks, yet a wrong transpose or
  /// stride produces O(1) relative errors.
  @Test(arguments: shapes, [(false, false), (true, false), (false, true), (true, true)])
  func matchesReference(shape: GemmShape, transposes: (Bool, Bool)) throws {
    let mem = Arena()
    defer { mem.release() }
    let (ta, tb) = transposes
    let (m, n, k) = (shape.m, shape.n, shape.k)
    var rng = SplitMix64(seed: seed(m, n, k, ta ? 1 : 0, tb ? 1 : 0))
    // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed).
    let (aRows, aCols) = ta ? (k, m) : (m, k)
    let (bRows, bCols) = tb ? (n, k) : (k, n)
    let lda = aCols + shape.pad, ldb = bCols + shape.pad, ldc = n + shape.pad
    let a = rng.signedArray(aRows * lda, 0.1...2)
    let b = rng.signedArray(bRows * ldb, 0.1...2)
    let c0 = rng.signedArray(m * ldc, 0.1...2)
    let alpha = rng.signed(0.5...1.5), beta = rng.signed(0.5...1.5)

    let A = mem.buffer(a), B = mem.buffer(b), C = mem.buffer(c0)
    Kernels.gemm(
      transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: A.c, lda: lda,
      b: B.c, ldb: ldb, beta: beta, c: C.p, ldc: ldc)
    let got = C.array

    func opA(_ i: Int, _ l: Int) -> Double { Double(ta ? a[l * lda + i] : a[i * lda + l]) }
    func opB(_ l: Int, _ j: Int) -> Double { Double(tb ? b[j * ldb + l] : b[l * ldb + j]) }
    let gamma = 2 * Double(k + 2) * u32
    for i in 0..<m {
      for j in 0..<ldc {
        let old = Double(c0[i * ldc + j])
        if j >= n {
          // Padding columns of C must be left alone.
          #expect(got[i * ldc + j] == c0[i * ldc + j])
          continue
        }
        var dot = 0.0, magnitude = 0.0
        for l in 0..<k {
          dot += opA(i, l) * opB(l, j)
          magnitude += abs(opA(i, l) * opB(l, j))
        }
        let want = Double(alpha) * dot + Double(beta) * old
        let bound = gamma * (abs(Double(alpha)) * magnitude + abs(Double(beta) * old))
        let err = abs(Double(got[i * ldc + j]) - want)
        try #require(err <= bound, "C[\(i),\(j)] = \(got[i * ldc + j]), want \(want)")
      }
    }
  }

  /// With beta = 0 the output is write-only (BLAS semantics): NaN garbage in C must not
  /// survive, which matters because the executor reuses buffers without clearing them.
  @Test(arguments: [false, true])
  func betaZeroIgnoresGarbage(transposeA: Bool) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: 7)
    let (m, n, k) = (5, 4, 3)
    let A = mem.buffer(rng.signedArray(m * k, 0.1...1)), B = mem.buffer(rng.signedArray(k * n, 0.1...1))
    let C = mem.buffer(count: m * n)  // NaN-filled
    Kernels.gemm(
      transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: 1, a: A.c,
      lda: transposeA ? m : k, b: B.c, ldb: n, beta: 0, c: C.p, ldc: n)
    #expect(C.array.allSatisfy { $0.isFinite })
  }

  /// k = 0 reduces to `C = beta·C` (and exactly 0 for beta = 0, even over NaN).
  @Test func emptyInnerDimension() {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: 8)
    let c0 = rng.signedArray(6, 0.1...2)
    let A = mem.buffer(count: 1), B = mem.buffer(count: 1), C = mem.buffer(c0)
    Kernels.gemm(
      transposeA: false, transposeB: false, m: 2, n: 3, k: 0, alpha: 1, a: A.c, lda: 1,
      b: B.c, ldb: 3, beta: 0.5, c: C.p, ldc: 3)
    #expect(C.array == c0.map { 0.5 * $0 })
    let D = mem.buffer(count: 6)
    Kernels.gemm(
      transposeA: false, transposeB: false, m: 2, n: 3, k: 0, alpha: 1, a: A.c, lda: 1,
      b: B.c, ldb: 3, beta: 0, c: D.p, ldc: 3)
    #expect(D.array == [Float](repeating: 0, count: 6))
  }

  /// The thread count is process-wide state; setting it must not change results beyond
  /// rounding. Restores 1 thread afterwards, the safe default for parallel tests.
  @Test func threadCountDoesNotChangeResults() {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: 9)
    let (m, n, k) = (64, 96, 80)
    let A = mem.buffer(rng.signedArray(m * k, 0.1...1)), B = mem.buffer(rng.signedArray(k * n, 0.1...1))
    let C1 = mem.buffer(count: m * n), C2 = mem.buffer(count: m * n)
    Kernels.setThreadCount(1)
    Kernels.gemm(
      transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: A.c, lda: k,
      b: B.c, ldb: n, beta: 0, c: C1.p, ldc: n)
    Kernels.setThreadCount(2)
    Kernels.gemm(
      transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: A.c, lda: k,
      b: B.c, ldb: n, beta: 0, c: C2.p, ldc: n)
    Kernels.setThreadCount(1)
    // Same bound as above, with |a|,|b| ≤ 1: Σ|ab| ≤ k.
    expectClose(C2.array, C1.array, rtol: 0, atol: 2 * Double(k + 2) * u32 * Double(k), "C")
  }
}
