/// The two checksums a PNG file needs: CRC-32 for each chunk and Adler-32 for the zlib stream.
public enum Checksum {
  /// The reflected CRC-32 table for polynomial 0xEDB88320 (ISO 3309, as in PNG and gzip).
  private static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// CRC-32 of `bytes`, continuing from `crc` (the CRC of the bytes before; 0 to start), so a
  /// chunk's type and data can be checksummed without concatenating them.
  public static func crc32<C: Collection>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
    var c = ~crc
    crcTable.withUnsafeBufferPointer { table in
      for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }
    return ~c
  }

  /// Adler-32 of `bytes` (RFC 1950), the checksum that ends a zlib stream.
  public static func adler32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    let modulus: UInt32 = 65521
    var a: UInt32 = 1
    var b: UInt32 = 0
    var pending = 0
    for byte in bytes {
      a += UInt32(byte)
      b += a
      pending += 1
      // 5552 is the largest run for which b cannot overflow 32 bits before reducing (zlib's NMAX).
      if pending == 5552 {
        a %= modulus
        b %= modulus
        pending = 0
      }
    }
    return ((b % modulus) << 16) | (a % modulus)
  }
}
