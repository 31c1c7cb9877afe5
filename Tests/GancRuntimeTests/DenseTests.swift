import GancIR
import GancRuntime
import GancTestSupport
import Testing

struct MatrixShape: Sendable, CustomStringConvertible {
  var rows: Int, cols: Int
  var description: String { "\(rows)x\(cols)" }
}

let denseShapes: [MatrixShape] = [
  .init(rows: 1, cols: 1), .init(rows: 3, cols: 17), .init(rows: 17, cols: 3),
  .init(rows: 64, cols: 2), .init(rows: 64, cols: 130), .init(rows: 1, cols: 1024),
]

@Suite struct DenseTests {
  /// addBias is one float add per element: exactly the rounded Double sum.
  @Test(arguments: denseShapes)
  func addBiasMatchesReference(shape: MatrixShape) {
    let mem = Arena()
    defer { mem.release() }
    let (rows, cols) = (shape.rows, shape.cols)
    var rng = SplitMix64(seed: seed(rows, cols, 10))
    let x = rng.signedArray(rows * cols, 0.1...3), bias = rng.signedArray(cols, 0.1...3)
    let X = mem.buffer(x), B = mem.buffer(bias), O = mem.buffer(count: rows * cols)
    Kernels.addBias(rows: rows, cols: cols, x: X.c, bias: B.c, out: O.p)
    let want = (0..<rows * cols).map { Float(Double(x[$0]) + Double(bias[$0 % cols])) }
    expectIdentical(O.array, want, "out")
    Kernels.addBias(rows: rows, cols: cols, x: X.c, bias: B.c, out: X.p)
    expectIdentical(X.array, want, "in-place out")
  }

  /// The fused epilogue must be bit-identical to addBias + activate (same float ops in the
  /// same order), and close to a Double reference (relative 1e-6 on top of the add's
  /// rounding, which the activation can amplify by at most |x·f'(x)/f(x)| ≤ ~6 here;
  /// hence 4e-6 relative and a tiny absolute floor for sigmoid tails).
  @Test(arguments: activations, denseShapes)
  func biasActivationMatchesUnfused(act: Activation, shape: MatrixShape) {
    let mem = Arena()
    defer { mem.release() }
    let (rows, cols) = (shape.rows, shape.cols)
    var rng = SplitMix64(seed: seed(activations.firstIndex(of: act)!, rows, cols, 11))
    let x = rng.signedArray(rows * cols, 0.1...4), bias = rng.signedArray(cols, 0.1...2)
    let B = mem.buffer(bias)
    let fused = mem.buffer(x)
    Kernels.biasActivation(rows: rows, cols: cols, bias: B.c, activation: act, data: fused.p)

    let X = mem.buffer(x), Z = mem.buffer(count: rows * cols), Y = mem.buffer(count: rows * cols)
    Kernels.addBias(rows: rows, cols: cols, x: X.c, bias: B.c, out: Z.p)
    Kernels.activate(act, Z.c, Y.p, count: rows * cols)
    expectIdentical(fused.array, Y.array, "fused vs unfused")

    let want = (0..<rows * cols).map {
      ElementwiseTests.reference(act, Double(x[$0]) + Double(bias[$0 % cols]))
    }
    expectClose(fused.array, want, rtol: 4e-6, atol: 1e-7, "vs reference")
  }

  /// sumRows accumulates in float32 down the rows: the classical bound for a recursive sum
  /// of `rows` terms is `(rows − 1)·u·Σ|x|`; we check against that bound computed exactly.
  @Test(arguments: denseShapes)
  func sumRowsMatchesReference(shape: MatrixShape) {
    let mem = Arena()
    defer { mem.release() }
    let (rows, cols) = (shape.rows, shape.cols)
    var rng = SplitMix64(seed: seed(rows, cols, 12))
    let x = rng.signedArray(rows * cols, 0.1...3)
    let X = mem.buffer(x), O = mem.buffer(count: cols)
    Kernels.sumRows(rows: rows, cols: cols, x: X.c, out: O.p)
    let got = O.array
    for c in 0..<cols {
      var s = 0.0, magnitude = 0.0
      for r in 0..<rows {
        s += Double(x[r * cols + c])
        magnitude += abs(Double(x[r * cols + c]))
      }
      let bound = Double(rows) * u32 * magnitude
      #expect(abs(Double(got[c]) - s) <= bound, "out[\(c)] = \(got[c]), want \(s)")
    }
  }

  @Test func sumRowsOfNoRowsIsZero() {
    let mem = Arena()
    defer { mem.release() }
    let X = mem.buffer(count: 1), O = mem.buffer(count: 5)
    Kernels.sumRows(rows: 0, cols: 5, x: X.c, out: O.p)
    #expect(O.array == [0, 0, 0, 0, 0])
  }

  /// The fused backward must equal activationBackward + sumRows bit for bit, both out of
  /// place and with dz aliasing dy; and its dbias must be the column sum of dz (checked by
  /// the sumRows bound) while dz matches the formula from the output y.
  @Test(arguments: activations, denseShapes)
  func activationBackwardBiasReduceMatchesUnfused(act: Activation, shape: MatrixShape) {
    let mem = Arena()
    defer { mem.release() }
    let (rows, cols) = (shape.rows, shape.cols)
    let n = rows * cols
    var rng = SplitMix64(seed: seed(activations.firstIndex(of: act)!, rows, cols, 13))
    let x = rng.signedArray(n, 0.1...4), dy = rng.signedArray(n, 0.1...2)
    let Y = mem.buffer(x)
    Kernels.activate(act, Y.c, Y.p, count: n)
    let y = Y.array

    let DY = mem.buffer(dy), DZ = mem.buffer(count: n), DB = mem.buffer(count: cols)
    Kernels.activationBackwardBiasReduce(
      act, rows: rows, cols: cols, dy: DY.c, y: Y.c, dz: DZ.p, dbias: DB.p)

    let DZ2 = mem.buffer(count: n), DB2 = mem.buffer(count: cols)
    Kernels.activationBackward(act, dy: DY.c, y: Y.c, dx: DZ2.p, count: n)
    Kernels.sumRows(rows: rows, cols: cols, x: DZ2.c, out: DB2.p)
    expectIdentical(DZ.array, DZ2.array, "dz fused vs unfused")
    expectIdentical(DB.array, DB2.array, "dbias fused vs unfused")

    let want = (0..<n).map {
      ElementwiseTests.referenceBackward(act, dy: Double(dy[$0]), y: Double(y[$0]))
    }
    expectClose(DZ.array, want, rtol: 1e-6, atol: 8 * u32, "dz vs formula")

    let inPlace = mem.buffer(dy), DB3 = mem.buffer(count: cols)
    Kernels.activationBackwardBiasReduce(
      act, rows: rows, cols: cols, dy: inPlace.c, y: Y.c, dz: inPlace.p, dbias: DB3.p)
    expectIdentical(inPlace.array, DZ2.array, "dz in place")
    expectIdentical(DB3.array, DB2.array, "dbias in place")
  }
}
