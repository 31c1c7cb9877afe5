import Foundation
import GancIR
import GancRuntime
import GancTestSupport
import Testing

// The convolution kernels (im2col, col2im, conv, convTranspose, convFilterGrad) against
// convolutions written straight from their definitions, and the small layout and
// training-state kernels (transpose, softmax, argmax, updateState, dropoutMask) against
// plain loops.
//
// Tolerances. Pure data movement (im2col, col2im into zeros without overlap, transpose,
// argmax, the dropout mask) must be exact. Every other result is a float32 sum of `n`
// products, compared with the same sum in Double: the standard bound for a float32 sum
// of `n` terms, in any order and with or without FMA, is `|error| ≤ γₙ · Σ|terms|` with
// `γₙ = n·u/(1 − n·u)`, `u = 2⁻²⁴`. The tests check `|got − want| ≤ (n + 2)·u·Σ|terms|`
// (two extra roundings for the final store and slack), computed per element from the
// reference, so a tolerance never hides an error of one wrong term, which is O(1) of a
// term's size.

/// One convolution geometry: `large` `[n, h, w, c]`, `small` `[n, oh, ow, o]`.
struct ConvCase: Sendable, CustomTestStringConvertible {
  var n: Int
  var h: Int
  var w: Int
  var c: Int
  var o: Int
  var kernel: (Int, Int)
  var stride: (Int, Int)
  var padding: (Int, Int)

  var geometry: ConvGeometry { ConvGeometry(kernel: kernel, stride: stride, padding: padding) }
  /// The small side's size along an axis: `⌊(large + 2p − k) / s⌋ + 1`. When the division
  /// is not exact the last rows of the large side are never read, which is what a
  /// transposed convolution with `output_padding` produces.
  var oh: Int { (h + 2 * padding.0 - kernel.0) / stride.0 + 1 }
  var ow: Int { (w + 2 * padding.1 - kernel.1) / stride.1 + 1 }
  var shape: ConvShape {
    ConvShape(n: n, h: h, w: w, c: c, oh: oh, ow: ow, o: o, geometry: geometry)
  }
  var largeCount: Int { n * h * w * c }
  var smallCount: Int { n * oh * ow * o }
  var weightCount: Int { kernel.0 * kernel.1 * c * o }

  var testDescription: String {
    "n\(n) \(h)×\(w)×\(c)→\(oh)×\(ow)×\(o) k\(kernel.0)×\(kernel.1) s\(stride.0)×\(stride.1) p\(padding.0)×\(padding.1)"
  }

  /// The large-side pixel `(y, x)` that kernel tap `(ki, kj)` of small pixel `(i, j)`
  /// reads, or nil where it falls in the padding.
  func source(_ i: Int, _ j: Int, _ ki: Int, _ kj: Int) -> (Int, Int)? {
    let y = i * stride.0 + ki - padding.0
    let x = j * stride.1 + kj - padding.1
    return y >= 0 && y < h && x >= 0 && x < w ? (y, x) : nil
  }

  func large(_ b: Int, _ y: Int, _ x: Int, _ ch: Int) -> Int { ((b * h + y) * w + x) * c + ch }
  func small(_ b: Int, _ i: Int, _ j: Int, _ ch: Int) -> Int { ((b * oh + i) * ow + j) * o + ch }
  func weight(_ ki: Int, _ kj: Int, _ ci: Int, _ co: Int) -> Int { ((ki * kernel.1 + kj) * c + ci) * o + co }

  /// Calls `body(b, i, j, ki, kj, y, x)` for every tap that reads the large side.
  func forEachTap(_ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
    for b in 0..<n {
      for i in 0..<oh {
        for j in 0..<ow {
          for ki in 0..<kernel.0 {
            for kj in 0..<kernel.1 {
              if let (y, x) = source(i, j, ki, kj) { body(b, i, j, ki, kj, y, x) }
            }
          }
        }
      }
    }
  }
}

let convCases: [ConvCase] = [
  // The plain case: one image, one channel, no padding.
  ConvCase(n: 1, h: 5, w: 5, c: 1, o: 1, kernel: (3, 3), stride: (1, 1), padding: (0, 0)),
  // "Same" padding, a batch and several channels each way.
  ConvCase(n: 2, h: 6, w: 6, c: 3, o: 4, kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
  // DCGAN's down-sampling step.
  ConvCase(n: 2, h: 8, w: 8, c: 2, o: 3, kernel: (4, 4), stride: (2, 2), padding: (1, 1)),
  // A 5×5 kernel with stride 2 and padding 2.
  ConvCase(n: 1, h: 7, w: 7, c: 2, o: 2, kernel: (5, 5), stride: (2, 2), padding: (2, 2)),
  // A 1×1 convolution on a non-square image (a per-pixel dense layer).
  ConvCase(n: 3, h: 4, w: 5, c: 2, o: 3, kernel: (1, 1), stride: (1, 1), padding: (0, 0)),
  // A rectangular 1×5 kernel over an image of height 1: how conv1d is lowered.
  ConvCase(n: 2, h: 1, w: 9, c: 3, o: 2, kernel: (1, 5), stride: (1, 2), padding: (0, 2)),
  // Padding wider than half the kernel: whole rows of windows over zeros.
  ConvCase(n: 1, h: 3, w: 3, c: 2, o: 1, kernel: (3, 3), stride: (1, 1), padding: (2, 2)),
  // Stride that does not divide: the large side's last row and column are never read.
  ConvCase(n: 2, h: 6, w: 7, c: 1, o: 2, kernel: (3, 3), stride: (2, 2), padding: (0, 0)),
  // Different strides and paddings along the two axes.
  ConvCase(n: 1, h: 6, w: 5, c: 2, o: 2, kernel: (4, 3), stride: (2, 1), padding: (1, 0)),
]

/// `|got − want| ≤ (terms + 2)·u·magnitude` element by element (see the file's comment).
func expectWithinSumBound(
  _ got: [Float], _ want: [Double], magnitude: [Double], terms: Int, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.count == want.count, sourceLocation: sourceLocation)
  var failures = 0
  for i in 0..<min(got.count, want.count) {
    let bound = Double(terms + 2) * u32 * magnitude[i]
    if !(abs(Double(got[i]) - want[i]) <= bound) {
      failures += 1
      if failures <= 3 {
        Issue.record("\(what)[\(i)]: got \(got[i]), want \(want[i]) (bound \(bound))", sourceLocation: sourceLocation)
      }
    }
  }
  #expect(failures == 0, "\(what): \(failures) elements out of bounds", sourceLocation: sourceLocation)
}

@Suite struct ConvKernelTests {
  /// im2col is a gather: exact, with zeros for taps in the padding.
  @Test(arguments: convCases)
  func im2colMatchesPlainLoops(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 40))
    let x = rng.signedArray(k.largeCount, 0.1...2)
    let X = mem.buffer(x), C = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.im2col(k.shape, large: X.c, cols: C.p)
    var want = [Float](repeating: 0, count: k.shape.rows * k.shape.columns)
    for b in 0..<k.n {
      for i in 0..<k.oh {
        for j in 0..<k.ow {
          let row = (b * k.oh + i) * k.ow + j
          for ki in 0..<k.kernel.0 {
            for kj in 0..<k.kernel.1 {
              for ch in 0..<k.c {
                let col = (ki * k.kernel.1 + kj) * k.c + ch
                if let (y, xx) = k.source(i, j, ki, kj) {
                  want[row * k.shape.columns + col] = x[k.large(b, y, xx, ch)]
                }
              }
            }
          }
        }
      }
    }
    expectIdentical(C.array, want, "im2col")
  }

  /// col2im adds every window back onto the image: against plain loops (in Double, since
  /// overlapping windows add up in float32: at most kh·kw terms per pixel), and as the
  /// adjoint of im2col, ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩, both sides in Double. The left
  /// side is exact products summed in Double; the right side's only float32 error is
  /// col2im's own sums, so the difference is at most (kh·kw + 2)·u·Σ|x·c|.
  @Test(arguments: convCases)
  func col2imMatchesPlainLoopsAndIsTheAdjoint(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 41))
    let cols = rng.signedArray(k.shape.rows * k.shape.columns, 0.1...2)
    let C = mem.buffer(cols), L = mem.buffer(count: k.largeCount, value: 0)
    Kernels.col2im(k.shape, cols: C.c, large: L.p)
    var want = [Double](repeating: 0, count: k.largeCount)
    var magnitude = [Double](repeating: 0, count: k.largeCount)
    k.forEachTap { b, i, j, ki, kj, y, x in
      let row = (b * k.oh + i) * k.ow + j
      for ch in 0..<k.c {
        let v = Double(cols[row * k.shape.columns + (ki * k.kernel.1 + kj) * k.c + ch])
        want[k.large(b, y, x, ch)] += v
        magnitude[k.large(b, y, x, ch)] += abs(v)
      }
    }
    let taps = k.kernel.0 * k.kernel.1
    expectWithinSumBound(L.array, want, magnitude: magnitude, terms: taps, "col2im")

    // col2im adds to what the image holds.
    let base = rng.signedArray(k.largeCount, 0.1...2)
    let B = mem.buffer(base)
    Kernels.col2im(k.shape, cols: C.c, large: B.p)
    expectWithinSumBound(
      B.array, zip(base, want).map { Double($0) + $1 }, magnitude: zip(base, magnitude).map { abs(Double($0)) + $1 },
      terms: taps + 1, "col2im onto values")

    let x = rng.signedArray(k.largeCount, 0.1...2)
    let X = mem.buffer(x), I = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.im2col(k.shape, large: X.c, cols: I.p)
    let lhs = zip(I.array, cols).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let rhs = zip(x, L.array).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let scale = zip(I.array, cols).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
    #expect(abs(lhs - rhs) <= Double(taps + 2) * u32 * scale, "⟨im2col x, c⟩ = \(lhs), ⟨x, col2im c⟩ = \(rhs)")
  }

  /// small[b, i, j, o] = Σ_{ki, kj, c} large[b, i·s + ki − p, j·s + kj − p, c] · w[ki, kj, c, o].
  @Test(arguments: convCases)
  func convMatchesDirectDefinition(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 42))
    let x = rng.signedArray(k.largeCount, 0.1...2)
    let w = rng.signedArray(k.weightCount, 0.1...1)
    let X = mem.buffer(x), W = mem.buffer(w), Y = mem.buffer(count: k.smallCount)
    let S = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.conv(k.shape, large: X.c, weights: W.c, small: Y.p, scratch: S.p)
    var want = [Double](repeating: 0, count: k.smallCount)
    var magnitude = [Double](repeating: 0, count: k.smallCount)
    k.forEachTap { b, i, j, ki, kj, y, xx in
      for ci in 0..<k.c {
        for co in 0..<k.o {
          let t = Double(x[k.large(b, y, xx, ci)]) * Double(w[k.weight(ki, kj, ci, co)])
          want[k.small(b, i, j, co)] += t
          magnitude[k.small(b, i, j, co)] += abs(t)
        }
      }
    }
    expectWithinSumBound(Y.array, want, magnitude: magnitude, terms: k.shape.columns, "conv")
  }

  /// The transposed convolution scatters each small pixel through the kernel:
  /// large[b, i·s + ki − p, j·s + kj − p, c] += small[b, i, j, o] · w[ki, kj, c, o]; pixels no
  /// window reaches are 0 (the kernel clears the output first, so it starts as NaN here).
  @Test(arguments: convCases)
  func convTransposeMatchesDirectDefinition(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 43))
    let y = rng.signedArray(k.smallCount, 0.1...2)
    let w = rng.signedArray(k.weightCount, 0.1...1)
    let Y = mem.buffer(y), W = mem.buffer(w), X = mem.buffer(count: k.largeCount)
    let S = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.convTranspose(k.shape, small: Y.c, weights: W.c, large: X.p, scratch: S.p)
    var want = [Double](repeating: 0, count: k.largeCount)
    var magnitude = [Double](repeating: 0, count: k.largeCount)
    k.forEachTap { b, i, j, ki, kj, yy, xx in
      for ci in 0..<k.c {
        for co in 0..<k.o {
          let t = Double(y[k.small(b, i, j, co)]) * Double(w[k.weight(ki, kj, ci, co)])
          want[k.large(b, yy, xx, ci)] += t
          magnitude[k.large(b, yy, xx, ci)] += abs(t)
        }
      }
    }
    // A dot product of `o` terms per window, then up to kh·kw windows added per pixel.
    expectWithinSumBound(
      X.array, want, magnitude: magnitude, terms: k.o + k.kernel.0 * k.kernel.1, "conv_transpose")
  }

  /// The weights' gradient: dw[ki, kj, c, o] = Σ_{b, i, j} large[b, i·s + ki − p, …, c] · small[b, i, j, o].
  @Test(arguments: convCases)
  func convFilterGradMatchesDirectDefinition(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 44))
    let x = rng.signedArray(k.largeCount, 0.1...2)
    let dy = rng.signedArray(k.smallCount, 0.1...2)
    let X = mem.buffer(x), DY = mem.buffer(dy), DW = mem.buffer(count: k.weightCount)
    let S = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.convFilterGrad(k.shape, large: X.c, small: DY.c, weights: DW.p, scratch: S.p)
    var want = [Double](repeating: 0, count: k.weightCount)
    var magnitude = [Double](repeating: 0, count: k.weightCount)
    k.forEachTap { b, i, j, ki, kj, y, xx in
      for ci in 0..<k.c {
        for co in 0..<k.o {
          let t = Double(x[k.large(b, y, xx, ci)]) * Double(dy[k.small(b, i, j, co)])
          want[k.weight(ki, kj, ci, co)] += t
          magnitude[k.weight(ki, kj, ci, co)] += abs(t)
        }
      }
    }
    expectWithinSumBound(DW.array, want, magnitude: magnitude, terms: k.shape.rows, "conv filter grad")
  }

  /// The three kernels are one bilinear form: ⟨conv(x, w), dy⟩ = ⟨x, convTranspose(dy, w)⟩
  /// = ⟨w, convFilterGrad(x, dy)⟩. Each side carries its kernel's float32 error, at most
  /// (terms + 2)·u of Σ|x·w·dy| over the taps; the tolerance is the largest of the three.
  @Test(arguments: convCases)
  func convKernelsAreAdjoint(_ k: ConvCase) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(k.n, k.h, k.w, k.c, k.kernel.0, k.kernel.1, 45))
    let x = rng.signedArray(k.largeCount, 0.1...2)
    let w = rng.signedArray(k.weightCount, 0.1...1)
    let dy = rng.signedArray(k.smallCount, 0.1...2)
    let X = mem.buffer(x), W = mem.buffer(w), DY = mem.buffer(dy)
    let Y = mem.buffer(count: k.smallCount), DX = mem.buffer(count: k.largeCount)
    let DW = mem.buffer(count: k.weightCount), S = mem.buffer(count: k.shape.rows * k.shape.columns)
    Kernels.conv(k.shape, large: X.c, weights: W.c, small: Y.p, scratch: S.p)
    Kernels.convTranspose(k.shape, small: DY.c, weights: W.c, large: DX.p, scratch: S.p)
    Kernels.convFilterGrad(k.shape, large: X.c, small: DY.c, weights: DW.p, scratch: S.p)
    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    let viaConv = dot(Y.array, dy)
    let viaTranspose = dot(x, DX.array)
    let viaFilter = dot(w, DW.array)
    var scale = 0.0
    k.forEachTap { b, i, j, ki, kj, y, xx in
      for ci in 0..<k.c {
        for co in 0..<k.o {
          scale += abs(
            Double(x[k.large(b, y, xx, ci)]) * Double(w[k.weight(ki, kj, ci, co)]) * Double(dy[k.small(b, i, j, co)]))
        }
      }
    }
    let terms = max(k.shape.columns, k.o + k.kernel.0 * k.kernel.1, k.shape.rows)
    let tolerance = Double(terms + 2) * u32 * scale
    #expect(abs(viaConv - viaTranspose) <= tolerance, "\(viaConv) vs \(viaTranspose)")
    #expect(abs(viaConv - viaFilter) <= tolerance, "\(viaConv) vs \(viaFilter)")
  }

  // MARK: - Layout and distributions

  static let transposeCases: [([Int], [Int])] = [
    ([5, 7], [1, 0]),
    ([2, 3, 4], [0, 2, 1]),
    ([2, 3, 4], [2, 0, 1]),
    ([2, 3, 4], [0, 1, 2]),
    ([3, 1, 4], [0, 2, 1]),
    ([2, 3, 4, 5], [0, 3, 1, 2]),
    ([2, 3, 4, 5], [3, 2, 1, 0]),
  ]

  /// Output element at multi-index `i` is input element at `i` un-permuted: exact.
  @Test(arguments: transposeCases)
  func transposeMatchesPlainLoops(_ shape: [Int], _ permutation: [Int]) {
    let mem = Arena()
    defer { mem.release() }
    let count = shape.reduce(1, *)
    var rng = SplitMix64(
      seed: seed(shape.reduce(0) { $0 * 10 + $1 }, permutation.reduce(0) { $0 * 10 + $1 }, 46))
    let x = rng.signedArray(count, 0.1...2)
    let X = mem.buffer(x), Y = mem.buffer(count: count)
    Kernels.transpose(shape: shape, permutation: permutation, x: X.c, y: Y.p)
    let outShape = permutation.map { shape[$0] }
    var want = [Float](repeating: .nan, count: count)
    for flat in 0..<count {
      var index = [Int](repeating: 0, count: shape.count)
      var rest = flat
      for a in stride(from: shape.count - 1, through: 0, by: -1) {
        index[a] = rest % outShape[a]
        rest /= outShape[a]
      }
      var source = [Int](repeating: 0, count: shape.count)
      for (a, p) in permutation.enumerated() { source[p] = index[a] }
      let offset = zip(source, shape).reduce(0) { $0 * $1.1 + $1.0 }
      want[flat] = x[offset]
    }
    expectIdentical(Y.array, want, "transpose")

    // Transposing back by the inverse permutation restores the input.
    var inverse = [Int](repeating: 0, count: permutation.count)
    for (a, p) in permutation.enumerated() { inverse[p] = a }
    let Z = mem.buffer(count: count)
    Kernels.transpose(shape: outShape, permutation: inverse, x: Y.c, y: Z.p)
    expectIdentical(Z.array, x, "transpose back")
  }

  /// Each row against e^(x − max) / Σ e^(x − max) in Double: expf is within an ulp or two,
  /// and the row's float32 sum of `cols` terms within cols·u of its own size, so every
  /// entry is within (cols + 4)·u relative. Rows sum to 1 within the same bound.
  @Test(arguments: [(1, 1), (3, 4), (5, 10), (2, 130)])
  func softmaxMatchesReference(_ rows: Int, _ cols: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(rows, cols, 47))
    let x = rng.signedArray(rows * cols, 0.1...4)
    let X = mem.buffer(x), Y = mem.buffer(count: rows * cols)
    Kernels.softmax(rows: rows, cols: cols, x: X.c, y: Y.p)
    let rtol = Double(cols + 4) * u32
    expectClose(Y.array, Self.softmaxReference(x, rows: rows, cols: cols), rtol: rtol, "softmax")
    for r in 0..<rows {
      let total = Y.array[(r * cols)..<(r * cols + cols)].reduce(0.0) { $0 + Double($1) }
      #expect(abs(total - 1) <= 2 * rtol, "row \(r) sums to \(total)")
    }
  }

  /// Inputs whose exponentials overflow float32 (e^89 does) still give finite values, since
  /// the row's maximum is subtracted first; a row of equal values is uniform.
  @Test func softmaxOfLargeInputsStaysFinite() {
    let mem = Arena()
    defer { mem.release() }
    let x: [Float] = [
      1000, 1001, -1000, 999.5,
      3e4, -3e4, 3e4, 0,
      -500, -501, -499, -502,
      7, 7, 7, 7,
    ]
    let X = mem.buffer(x), Y = mem.buffer(count: x.count)
    Kernels.softmax(rows: 4, cols: 4, x: X.c, y: Y.p)
    #expect(Y.array.allSatisfy { $0.isFinite })
    expectClose(Y.array, Self.softmaxReference(x, rows: 4, cols: 4), rtol: 8 * u32, atol: 1e-30, "softmax")
    expectIdentical(Array(Y.array[12..<16]), [0.25, 0.25, 0.25, 0.25], "uniform row")
  }

  static func softmaxReference(_ x: [Float], rows: Int, cols: Int) -> [Double] {
    var out: [Double] = []
    for r in 0..<rows {
      let row = x[(r * cols)..<(r * cols + cols)].map(Double.init)
      let top = row.max()!
      let e = row.map { Foundation.exp($0 - top) }
      let total = e.reduce(0, +)
      out += e.map { $0 / total }
    }
    return out
  }

  /// The index of each row's largest entry, the first of equal ones.
  @Test(arguments: [(1, 1), (4, 3), (6, 10), (3, 65)])
  func argmaxMatchesPlainLoops(_ rows: Int, _ cols: Int) {
    let mem = Arena()
    defer { mem.release() }
    var rng = SplitMix64(seed: seed(rows, cols, 48))
    let x = rng.signedArray(rows * cols, 0.1...3)
    let X = mem.buffer(x), Y = mem.buffer(count: rows)
    Kernels.argmax(rows: rows, cols: cols, x: X.c, y: Y.p)
    let want = (0..<rows).map { r -> Float in
      let row = Array(x[(r * cols)..<(r * cols + cols)])
      return Float(row.firstIndex(of: row.max()!)!)
    }
    expectIdentical(Y.array, want, "argmax")
  }

  @Test func argmaxTakesTheFirstOfTies() {
    let mem = Arena()
    defer { mem.release() }
    let X = mem.buffer([1, 3, 3, 2, -2, -1, -1, -5, 4, 4, 4, 4]), Y = mem.buffer(count: 3)
    Kernels.argmax(rows: 3, cols: 4, x: X.c, y: Y.p)
    expectIdentical(Y.array, [1, 1, 0], "ties")
  }

  // MARK: - Training state

  /// state ← (1 − m)·state + m·correction·statistic, against Double: three roundings of
  /// the products and sum plus one each for (1 − m) and m·correction, so 6·u of the
  /// terms' sizes. Repeated with a fixed statistic, the state approaches correction·statistic
  /// geometrically: after k updates it is c·s + (1 − m)^k·(state₀ − c·s).
  @Test(arguments: [(0.1, 1), (0.1, 64.0 / 63.0), (0.5, 2), (1, 1), (0.01, 1.5)] as [(Float, Float)])
  func updateStateFollowsTheMomentumRule(_ momentum: Float, _ correction: Float) {
    let mem = Arena()
    defer { mem.release() }
    let n = 37
    var rng = SplitMix64(seed: seed(Int(momentum * 1000), Int(correction * 1000), 49))
    let stat = rng.signedArray(n, 0.1...3)
    let state0 = rng.signedArray(n, 0.1...3)
    let S = mem.buffer(stat), T = mem.buffer(state0)
    Kernels.updateState(statistic: S.c, state: T.p, count: n, momentum: momentum, correction: correction)
    let m = Double(momentum), c = Double(correction)
    for i in 0..<n {
      let a = (1 - m) * Double(state0[i]), b = m * c * Double(stat[i])
      let got = Double(T.array[i])
      #expect(abs(got - (a + b)) <= 6 * u32 * (abs(a) + abs(b)), "[\(i)]: \(got) vs \(a + b)")
    }
    for _ in 1..<20 {
      Kernels.updateState(statistic: S.c, state: T.p, count: n, momentum: momentum, correction: correction)
    }
    let decay = Foundation.pow(1 - m, 20)
    for i in 0..<n {
      let target = c * Double(stat[i])
      let want = target + decay * (Double(state0[i]) - target)
      // Twenty updates, each adding at most 6·u of its terms' size (≤ 3 + 3·2 = 9, so
      // 3.2e-6), plus (1 − m) rounded to float32 raised to the 20th power (20·u relative of
      // at most 9): under 1e-4 in all.
      #expect(abs(Double(T.array[i]) - want) <= 1e-4, "[\(i)] after 20 updates: \(T.array[i]) vs \(want)")
    }
  }

  /// mask = u ≥ rate ? 1 / (1 − rate) : 0, exactly; with u uniform in [0, 1) about `rate`
  /// of the entries are zero (n = 20000: the share's standard deviation is at most
  /// 0.0036, and the check allows 0.02, over five of them).
  @Test(arguments: [Float(0), 0.1, 0.25, 0.5, 0.9])
  func dropoutMaskKeepsTheRestScaled(_ rate: Float) {
    let mem = Arena()
    defer { mem.release() }
    let n = 20000
    var rng = SplitMix64(seed: seed(Int(rate * 100), 50))
    var u = rng.array(n, 0...1).map { min($0, 1 - Float.ulpOfOne) }
    // The boundary itself is kept (u ≥ rate), and 0 is dropped whenever rate > 0.
    u[0] = rate
    u[1] = 0
    let U = mem.buffer(u), M = mem.buffer(count: n)
    Kernels.dropoutMask(U.c, M.p, count: n, rate: rate)
    let keep = 1 / (1 - rate)
    expectIdentical(M.array, u.map { $0 >= rate ? keep : 0 }, "mask")
    #expect(M.array[0] == keep)
    #expect(M.array[1] == (rate > 0 ? 0 : 1))
    let dropped = Double(M.array.filter { $0 == 0 }.count) / Double(n)
    #expect(abs(dropped - Double(rate)) <= 0.02, "dropped \(dropped) at rate \(rate)")
  }
}
