/// Philox4x32-10, the counter-based generator of Salmon et al. (SC'11).
///
/// A counter-based generator maps (key, counter) to random bits with no hidden state, so a
/// buffer can be filled in any order, by any number of threads, and give the same values:
/// element block `i` of a draw is always `philox(key, base + i)`. ganc derives one key per
/// random source from the run seed and the source's name, and advances the counter by the
/// number of blocks each draw consumes.
public struct Philox: Sendable, Hashable {
  public var key: (UInt32, UInt32)

  public init(seed: UInt64) {
    key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
  }

  public static func == (a: Philox, b: Philox) -> Bool { a.key == b.key }
  public func hash(into h: inout Hasher) {
    h.combine(key.0)
    h.combine(key.1)
  }

  /// The four 32-bit words of block `counter`.
  @inline(__always)
  public func block(_ counter: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
    var c0 = UInt32(truncatingIfNeeded: counter)
    var c1 = UInt32(truncatingIfNeeded: counter >> 32)
    var c2: UInt32 = 0x243F_6A88  // fixed upper counter words (digits of pi)
    var c3: UInt32 = 0x85A3_08D3
    var k0 = key.0
    var k1 = key.1
    for _ in 0..<10 {
      let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
      let hi0 = UInt32(truncatingIfNeeded: p0 >> 32)
      let lo0 = UInt32(truncatingIfNeeded: p0)
      let hi1 = UInt32(truncatingIfNeeded: p1 >> 32)
      let lo1 = UInt32(truncatingIfNeeded: p1)
      (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
      k0 = k0 &+ 0x9E37_79B9
      k1 = k1 &+ 0xBB67_AE85
    }
    return (c0, c1, c2, c3)
  }
}

/// Mixes a 64-bit value (SplitMix64's finaliser); used to derive independent keys.
@inline(__always)
public func mix64(_ x: UInt64) -> UInt64 {
  var z = x &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}
