#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A named, seeded source of random numbers whose position is a plain counter.
///
/// The state is two integers (key and counter), so it is saved in checkpoints and restored
/// exactly: a resumed run draws the same numbers as an uninterrupted one.
public struct RandomStream: Sendable, Hashable {
  public private(set) var generator: Philox
  /// The next Philox block to use.
  public var counter: UInt64
  /// The seed this stream was derived from (kept for checkpoints and messages).
  public let seed: UInt64

  /// A stream for `name` under the run seed `seed`: different names give independent streams.
  public init(seed: UInt64, name: String) {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the name, then mixed with the seed
    for byte in name.utf8 {
      h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    let derived = mix64(seed ^ mix64(h))
    self.seed = derived
    self.generator = Philox(seed: derived)
    self.counter = 0
  }

  public init(derivedSeed: UInt64, counter: UInt64) {
    self.seed = derivedSeed
    self.generator = Philox(seed: derivedSeed)
    self.counter = counter
  }

  /// 32 random bits.
  @inline(__always)
  public mutating func nextUInt32() -> UInt32 {
    let b = generator.block(counter)
    counter &+= 1
    return b.0
  }

  /// A uniform integer in `0..<bound` (Lemire's multiply-shift; the bias is below 2⁻³² · bound).
  @inline(__always)
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0)
    let b = generator.block(counter)
    counter &+= 1
    let wide = (UInt64(b.0) << 32) | UInt64(b.1)
    return Int(wide.multipliedFullWidth(by: UInt64(bound)).high)
  }

  /// A uniform float in `[0, 1)`.
  @inline(__always)
  public mutating func nextUniform() -> Float {
    unitFloat(nextUInt32())
  }

  /// Fills `buffer` with uniform values in `[low, high)`: four values per Philox block.
  public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float, high: Float) {
    let n = buffer.count
    let scale = high - low
    var i = 0
    while i < n {
      let b = generator.block(counter)
      counter &+= 1
      let words = [b.0, b.1, b.2, b.3]
      for w in words where i < n {
        buffer[i] = low + scale * unitFloat(w)
        i += 1
      }
    }
  }

  /// Fills `buffer` with normal values (Box–Muller: each block gives two pairs).
  public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float) {
    let n = buffer.count
    var i = 0
    while i < n {
      let b = generator.block(counter)
      counter &+= 1
      let (z0, z1) = boxMuller(b.0, b.1)
      let (z2, z3) = boxMuller(b.2, b.3)
      for z in [z0, z1, z2, z3] where i < n {
        buffer[i] = mean + std * z
        i += 1
      }
    }
  }

  /// Fills `buffer` with integers in `0..<classes`, stored as floats (ganc's class labels).
  public mutating func fillClasses(_ buffer: UnsafeMutableBufferPointer<Float>, classes: Int) {
    for i in 0..<buffer.count {
      buffer[i] = Float(nextInt(below: classes))
    }
  }

  /// A random permutation of `0..<n` (Fisher–Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    if n < 2 { return p }
    for i in stride(from: n - 1, to: 0, by: -1) {
      let j = nextInt(below: i + 1)
      p.swapAt(i, j)
    }
    return p
  }
}

/// The top 24 bits of `w` as a float in `[0, 1)`.
@inline(__always)
func unitFloat(_ w: UInt32) -> Float {
  Float(w >> 8) * (1.0 / 16_777_216.0)
}

/// Two standard normals from two uniform words; `u1` is kept away from 0 so `log` is finite.
@inline(__always)
func boxMuller(_ a: UInt32, _ b: UInt32) -> (Float, Float) {
  let u1 = (Double(a >> 8) + 0.5) * (1.0 / 16_777_216.0)
  let u2 = Double(b >> 8) * (1.0 / 16_777_216.0)
  let r = (-2.0 * log(u1)).squareRoot()
  let theta = 2.0 * Double.pi * u2
  return (Float(r * cos(theta)), Float(r * sin(theta)))
}
