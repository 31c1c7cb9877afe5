/// Encodes 8-bit grayscale and RGB images as PNG files, with no dependency on zlib.
///
/// The image data is a zlib stream of *stored* (uncompressed) deflate blocks of at most 65535
/// bytes each, which every PNG reader must accept. Files are therefore about as large as the
/// raw pixels, which is fine for the small sample grids and plots ganc writes, and the encoder
/// is a few dozen lines with nothing to go wrong. Rows use filter type 0 (none); no
/// interlacing, no ancillary chunks, so the output is byte-for-byte deterministic.
public enum PNGWriter {
  /// The largest payload of one stored deflate block (its length field is 16 bits).
  public static let maxStoredBlock = 65535

  /// A PNG of a `width` × `height` grayscale image; `pixels` is row-major, top row first,
  /// one byte per pixel (0 black, 255 white).
  public static func encodeGray(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
    encode(width: width, height: height, channels: 1, pixels: pixels)
  }

  /// A PNG of a `width` × `height` RGB image; `pixels` is row-major, top row first, three
  /// bytes (red, green, blue) per pixel.
  public static func encodeRGB(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
    encode(width: width, height: height, channels: 3, pixels: pixels)
  }

  /// Writes `bitmap` as a PNG to `path`, atomically (see `CSVWriter` for why).
  public static func write(_ bitmap: Bitmap, to path: String) throws(DataError) {
    try AtomicFile.store(bitmap.pngData(), at: path)
  }

  /// Writes already encoded PNG bytes to `path`, atomically.
  public static func write(png: [UInt8], to path: String) throws(DataError) {
    try AtomicFile.store(png, at: path)
  }

  static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
    // PNG dimensions are positive 31-bit integers; anything else is a caller bug.
    precondition(
      width > 0 && height > 0 && width <= Int(Int32.max) && height <= Int(Int32.max),
      "PNG dimensions must be positive, got \(width) × \(height)")
    let rowBytes = width * channels
    precondition(
      pixels.count == rowBytes * height,
      "\(pixels.count) bytes for a \(width) × \(height) image with \(channels) channel(s)")

    var raw = [UInt8]()
    raw.reserveCapacity((rowBytes + 1) * height)
    for row in 0..<height {
      raw.append(0)  // filter type: none
      raw.append(contentsOf: pixels[row * rowBytes..<(row + 1) * rowBytes])
    }

    var header = [UInt8]()
    appendBigEndian(UInt32(width), to: &header)
    appendBigEndian(UInt32(height), to: &header)
    header += [8, channels == 1 ? 0 : 2, 0, 0, 0]  // bit depth, colour type, compression, filter, interlace

    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    appendChunk("IHDR", header, to: &png)
    appendChunk("IDAT", zlibStored(raw), to: &png)
    appendChunk("IEND", [], to: &png)
    return png
  }

  /// `data` as a zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4).
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    // 0x78 0x01: deflate with a 32 KiB window, no dictionary, "fastest" level; the check bits
    // make 0x7801 a multiple of 31 as RFC 1950 requires.
    var out: [UInt8] = [0x78, 0x01]
    out.reserveCapacity(data.count + 5 * (data.count / maxStoredBlock + 1) + 6)
    var offset = 0
    repeat {
      let length = min(maxStoredBlock, data.count - offset)
      let final = offset + length == data.count
      // Block header: BFINAL in bit 0, BTYPE = 00 (stored), then padding to the byte boundary.
      out.append(final ? 1 : 0)
      let len = UInt16(length)
      out += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8(~len >> 8)]
      out.append(contentsOf: data[offset..<offset + length])
      offset += length
    } while offset < data.count
    appendBigEndian(Checksum.adler32(data), to: &out)
    return out
  }

  private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    appendBigEndian(UInt32(data.count), to: &png)
    png += typeBytes
    png += data
    appendBigEndian(Checksum.crc32(data, continuing: Checksum.crc32(typeBytes)), to: &png)
  }

  private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }
}
