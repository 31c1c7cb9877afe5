import GancRuntime
import GancTestSupport
import Testing

@Suite struct LayoutTests {
  static let columnSets: [[Int]] = [[1], [1, 3, 17], [2, 2], [5, 0, 130], [64, 1]]

  /// Pure data movement: results must be exact.
  @Test(arguments: [1, 3, 64], columnSets)
  func concatMatchesReference(rows: Int, cols: [Int]) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(rows, cols.count, cols.reduce(0, +), 30))
    let parts = cols.map { rng.signedArray(rows * $0, 0.1...3) }
    let buffers = parts.map { mem.buffer($0) }
    let total = cols.reduce(0, +)
    let O = mem.buffer(count: rows * total)
    Kernels.concatLastAxis(
      rows: rows, inputs: zip(buffers, cols).map { (pointer: $0.c, cols: $1) }, out: O.p)
    var want: [Float] = []
    for r in 0..<rows {
      for (part, c) in zip(parts, cols) { want += part[(r * c)..<(r * c + c)] }
    }
    expectIdentical(O.array, want, "out")
  }

  /// Slices at the start, middle and end, including full-width and single-column ones.
  @Test(arguments: [1, 3, 64], [(17, 0, 17), (17, 0, 1), (17, 16, 1), (130, 3, 64), (5, 2, 2)])
  func sliceAndAdjointMatchReference(rows: Int, slice: (Int, Int, Int)) {
    let mem = Arena()
    defer { mem.release() }
    let (sourceCols, start, length) = slice
    var rng = SplitMix64(seed: seed(rows, sourceCols, start, length, 31))
    let source = rng.signedArray(rows * sourceCols, 0.1...3)
    let S = mem.buffer(source), O = mem.buffer(count: rows * length)
    Kernels.sliceLastAxis(
      rows: rows, sourceCols: sourceCols, start: start, length: length, source: S.c, out: O.p)
    var want: [Float] = []
    for r in 0..<rows { want += source[(r * sourceCols + start)..<(r * sourceCols + start + length)] }
    expectIdentical(O.array, want, "slice")

    // The adjoint accumulates into an existing buffer and touches only the slice columns.
    let x = rng.signedArray(rows * length, 0.1...3)
    let base = rng.signedArray(rows * sourceCols, 0.1...3)
    let X = mem.buffer(x), G = mem.buffer(base)
    Kernels.addSliceLastAxis(
      rows: rows, sourceCols: sourceCols, start: start, length: length, x: X.c, out: G.p)
    var expected = base
    for r in 0..<rows {
      for j in 0..<length { expected[r * sourceCols + start + j] += x[r * length + j] }
    }
    expectIdentical(G.array, expected, "addSlice")

    // Adjointness in Double: <slice(S), X> == <S, addSlice(X) into zeros>.
    let Z = mem.buffer(count: rows * sourceCols, value: 0)
    Kernels.addSliceLastAxis(
      rows: rows, sourceCols: sourceCols, start: start, length: length, x: X.c, out: Z.p)
    let lhs = zip(O.array, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let rhs = zip(source, Z.array).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(lhs == rhs)
  }

  @Test(arguments: [1, 3, 64], [1, 2, 10])
  func oneHotMatchesReference(count: Int, classes: Int) throws {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(count, classes, 32))
    let labels = (0..<count).map { _ in Float(Int.random(in: 0..<classes, using: &rng)) }
    let L = mem.buffer(labels), O = mem.buffer(count: count * classes)
    let bad = Kernels.oneHot(labels: L.c, count: count, classes: classes, out: O.p)
    #expect(bad == nil)
    let want = (0..<count * classes).map { i -> Float in
      Float(i % classes) == labels[i / classes] ? 1 : 0
    }
    expectIdentical(O.array, want, "one-hot")
  }

  /// Invalid labels (negative, too large, fractional, NaN) are reported by index and leave
  /// the output untouched.
  @Test(arguments: [Float(-1), 3, 1.5, .nan, .infinity])
  func oneHotRejectsInvalidLabels(badLabel: Float) {
    let mem = Arena()
    defer { mem.release() }
    let L = mem.buffer([0, 2, badLabel, 1, -1]), O = mem.buffer(count: 15)
    let before = O.array
    #expect(Kernels.oneHot(labels: L.c, count: 5, classes: 3, out: O.p) == 2)
    expectIdentical(O.array, before, "untouched")
  }

  /// sum and mean accumulate in Double and round once: the only error beyond rounding the
  /// exact result (½ ulp, relative u) is the Double summation error, ≲ n·2⁻⁵³·Σ|x|.
  @Test(arguments: [1, 3, 17, 64, 1031, 64 * 130])
  func sumAndMeanMatchReference(n: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(n, 33))
    let x = rng.signedArray(n, 0.1...3)
    let X = mem.buffer(x)
    let exact = x.reduce(0.0) { $0 + Double($1) }
    let magnitude = x.reduce(0.0) { $0 + abs(Double($1)) }
    let slack = Double(n) * 0x1p-53 * magnitude
    #expect(isClose(Kernels.sum(X.c, count: n), exact, rtol: u32, atol: slack))
    #expect(isClose(Kernels.mean(X.c, count: n), exact / Double(n), rtol: u32, atol: slack / Double(n)))
    #expect(Kernels.sum(X.c, count: 0) == 0)
  }

  /// Summing in Double matters: a float32 running sum of 1 + 1e-8·k loses every small term.
  @Test func sumKeepsSmallTerms() {
    let mem = Arena()
    defer { mem.release() }
    let n = 4097
    let X = mem.buffer([1] + [Float](repeating: 1e-8, count: n - 1))
    #expect(isClose(Kernels.sum(X.c, count: n), 1 + 1e-8 * Double(n - 1), rtol: u32))
  }

  /// Sums over the middle of `[outer, length, inner]`, and its adjoint, against plain loops.
  /// The sum adds `length` floats per element in order: relative error ≤ length·ε ≈ 1e-6
  /// for these sizes; the broadcast copies, so it must be exact.
  @Test(arguments: [(1, 1, 1), (3, 4, 5), (2, 17, 1), (1, 64, 130), (64, 3, 1)])
  func sumAndBroadcastAlongAnAxis(_ dims: (Int, Int, Int)) {
    let (outer, length, inner) = dims
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(outer, length, inner, 32))
    let x = rng.signedArray(outer * length * inner, 0.1...3)
    let X = mem.buffer(x), O = mem.buffer(count: outer * inner)
    Kernels.sumAxis(outer: outer, length: length, inner: inner, x: X.c, out: O.p)
    for o in 0..<outer {
      for i in 0..<inner {
        var want = 0.0
        for k in 0..<length { want += Double(x[(o * length + k) * inner + i]) }
        let got = Double(O.array[o * inner + i])
        #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "sum at \(o), \(i): \(got) vs \(want)")
      }
    }
    let y = rng.signedArray(outer * inner, 0.1...3)
    let Y = mem.buffer(y), B = mem.buffer(count: outer * length * inner)
    Kernels.broadcastAxis(outer: outer, length: length, inner: inner, x: Y.c, out: B.p)
    var want: [Float] = []
    for o in 0..<outer {
      for _ in 0..<length { want += y[(o * inner)..<(o * inner + inner)] }
    }
    expectIdentical(B.array, want, "broadcast")
  }
}
