import GancRuntime
import GancTestSupport
import Testing

/// Test inputs from SplitMix64 (in GancTestSupport); each test seeds its own so failures
/// reproduce exactly.
extension SplitMix64 {
  /// Uniform in `range`.
  mutating func uniform(_ range: ClosedRange<Float>) -> Float {
    Float.random(in: range, using: &self)
  }

  /// Uniform magnitude in `magnitude`, random sign: keeps values away from 0 (and so away
  /// from the kinks of relu, abs and l1, where finite differences are meaningless).
  mutating func signed(_ magnitude: ClosedRange<Float>) -> Float {
    let m = uniform(magnitude)
    return Bool.random(using: &self) ? m : -m
  }

  mutating func array(_ count: Int, _ range: ClosedRange<Float>) -> [Float] {
    (0..<count).map { _ in uniform(range) }
  }

  mutating func signedArray(_ count: Int, _ magnitude: ClosedRange<Float>) -> [Float] {
    (0..<count).map { _ in signed(magnitude) }
  }
}

/// A float buffer with a stable address, so kernels can be handed plain pointers without
/// nesting `withUnsafe…` closures. Outputs start as NaN so unwritten elements show up.
///
/// The memory belongs to an `Arena`, not to the buffer: Swift may end an object's lifetime
/// right after its last use, which for a buffer passed as `X.c` is *before* the kernel
/// runs, so a buffer that freed itself in `deinit` could be freed under the kernel's feet
/// in optimised builds. An arena released by `defer` at the end of the test cannot be.
struct Buffer {
  let count: Int
  let p: UnsafeMutablePointer<Float>

  var c: UnsafePointer<Float> { UnsafePointer(p) }
  var array: [Float] { (0..<count).map { p[$0] } }
}

/// Owns the memory of a test's buffers. Use as
/// `let mem = Arena(); defer { mem.release() }`.
final class Arena {
  private var blocks: [UnsafeMutablePointer<Float>] = []

  func buffer(_ values: [Float]) -> Buffer {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
    p.initialize(repeating: .nan, count: max(1, values.count))
    for (i, v) in values.enumerated() { p[i] = v }
    blocks.append(p)
    return Buffer(count: values.count, p: p)
  }

  func buffer(count: Int, value: Float = .nan) -> Buffer {
    buffer([Float](repeating: value, count: count))
  }

  func release() {
    for p in blocks { p.deallocate() }
    blocks = []
  }
}

/// `|got − want| ≤ atol + rtol·|want|`, with NaN never close.
func isClose(_ got: Float, _ want: Double, rtol: Double, atol: Double = 0) -> Bool {
  let g = Double(got)
  guard g.isFinite == want.isFinite else { return g == want }
  if !want.isFinite { return g == want }
  return (g - want).magnitude <= atol + rtol * want.magnitude
}

/// Expects every element of `got` to be close to `want`, reporting the first few failures
/// with their index so a broken kernel does not flood the log.
func expectClose(
  _ got: [Float], _ want: [Double], rtol: Double, atol: Double = 0, _ what: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.count == want.count, sourceLocation: sourceLocation)
  var failures = 0
  for i in 0..<min(got.count, want.count) where !isClose(got[i], want[i], rtol: rtol, atol: atol) {
    failures += 1
    if failures <= 3 {
      Issue.record(
        "\(what)[\(i)]: got \(got[i]), want \(want[i])", sourceLocation: sourceLocation)
    }
  }
  #expect(failures == 0, "\(what): \(failures) elements out of tolerance", sourceLocation: sourceLocation)
}

func expectClose(
  _ got: [Float], _ want: [Float], rtol: Double, atol: Double = 0, _ what: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  expectClose(got, want.map(Double.init), rtol: rtol, atol: atol, what, sourceLocation: sourceLocation)
}

/// Bitwise equality (so NaN == NaN and −0 ≠ +0 both count): fused kernels must reproduce
/// the unfused sequence exactly, because Swift neither reassociates nor contracts float
/// arithmetic and both paths share the same scalar formulas.
func expectIdentical(
  _ got: [Float], _ want: [Float], _ what: String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(got.count == want.count, sourceLocation: sourceLocation)
  let mismatches = zip(got, want).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
  #expect(
    mismatches.isEmpty,
    "\(what): \(mismatches.count) differ, first \(mismatches.first.map { "\($0.offset): \($0.element)" } ?? "")",
    sourceLocation: sourceLocation)
}

/// Float32 unit roundoff (2⁻²⁴), the relative error of one correctly rounded operation.
let u32 = Double(Float.ulpOfOne) / 2

/// A seed per test case, so parameterized cases draw different inputs.
func seed(_ parts: Int...) -> UInt64 {
  parts.reduce(UInt64(0x5EED)) { $0 &* 1_000_003 &+ UInt64(truncatingIfNeeded: $1) }
}

/// `(f(x+) − f(x−)) / (x+ − x−)` in Double, dividing by the step actually taken (the
/// float32 inputs x± are rounded, so the nominal 2h would bias the quotient).
func centralDifference(_ fPlus: Float, _ fMinus: Float, step xPlus: Float, _ xMinus: Float) -> Double {
  let df: Double = Double(fPlus) - Double(fMinus)
  let dx: Double = Double(xPlus) - Double(xMinus)
  return df / dx
}
