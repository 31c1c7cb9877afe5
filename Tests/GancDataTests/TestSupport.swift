import Foundation
import GancData
import Testing

/// A real data file, found next to the repository: `<repo>/../shared/data/<name>`.
func sharedDataPath(_ name: String) -> String {
  URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Tests/GancDataTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // the repository
    .deletingLastPathComponent()  // its parent, which holds `shared`
    .appendingPathComponent("shared/data/\(name)").path
}

/// The real digits data: `<repo>/../shared/data/digits.csv`.
let digitsPath = sharedDataPath("digits.csv")

/// Fails the calling test with a clear message when a shared data file is missing (CI always
/// has `../shared`, so a missing file is a broken checkout, not a reason to skip).
func requireSharedData(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
  let path = sharedDataPath(name)
  try #require(
    FileManager.default.fileExists(atPath: path),
    "the real data file is missing: expected \(path) (the repository's parent directory must hold shared/data)",
    sourceLocation: sourceLocation)
  return path
}

/// The digits table; fails the calling test with a clear message when the file is missing
/// (CI always has `../shared`, so a missing file is a broken checkout, not a reason to skip).
func loadDigits(sourceLocation: SourceLocation = #_sourceLocation) throws -> Table {
  try #require(
    FileManager.default.fileExists(atPath: digitsPath),
    "the real digits are missing: expected \(digitsPath) (the repository's parent directory must hold shared/data/digits.csv)",
    sourceLocation: sourceLocation)
  return try Table(csvAt: digitsPath)
}

/// A fresh empty directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("ganc-data-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url.path
}

// MARK: - An independent PNG decoder, just enough for what PNGWriter emits.

struct DecodedPNG {
  var width: Int
  var height: Int
  var colorType: UInt8
  var pixels: [UInt8]
  /// Chunk types in file order.
  var chunkTypes: [String]
  /// Payload sizes of the stored deflate blocks.
  var blockSizes: [Int]
}

struct PNGDecodeError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// CRC-32 one bit at a time: deliberately not the table-driven code under test.
func bitwiseCRC32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 {
      crc = (crc & 1) == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
    }
  }
  return ~crc
}

/// Adler-32 reducing after every byte: the definition, not the optimised code under test.
func naiveAdler32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  var a: UInt32 = 1
  var b: UInt32 = 0
  for byte in bytes {
    a = (a + UInt32(byte)) % 65521
    b = (b + a) % 65521
  }
  return (b << 16) | a
}

private func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
  bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) }
}

/// Parses the chunks (checking every CRC), inflates the stored blocks (checking LEN/NLEN and
/// Adler-32) and removes the per-row filter bytes (which must all be 0).
func decodePNG(_ png: [UInt8]) throws -> DecodedPNG {
  guard png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
    throw PNGDecodeError("bad signature")
  }
  var at = 8
  var types: [String] = []
  var ihdr: [UInt8] = []
  var idat: [UInt8] = []
  while at < png.count {
    guard at + 12 <= png.count else { throw PNGDecodeError("truncated chunk at \(at)") }
    let length = Int(bigEndian(png, at))
    guard at + 12 + length <= png.count else { throw PNGDecodeError("chunk overruns file at \(at)") }
    let typeAndData = Array(png[at + 4..<at + 8 + length])
    let type = String(decoding: typeAndData[0..<4], as: UTF8.self)
    let stored = bigEndian(png, at + 8 + length)
    guard stored == bitwiseCRC32(typeAndData) else { throw PNGDecodeError("CRC mismatch in \(type)") }
    let data = Array(typeAndData[4...])
    types.append(type)
    if type == "IHDR" { ihdr = data }
    if type == "IDAT" { idat += data }
    at += 12 + length
  }
  guard types.first == "IHDR", types.last == "IEND", ihdr.count == 13 else {
    throw PNGDecodeError("bad chunk layout \(types)")
  }
  let width = Int(bigEndian(ihdr, 0))
  let height = Int(bigEndian(ihdr, 4))
  guard ihdr[8] == 8, ihdr[10] == 0, ihdr[11] == 0, ihdr[12] == 0 else {
    throw PNGDecodeError("unsupported IHDR \(ihdr)")
  }
  let channels: Int
  switch ihdr[9] {
  case 0: channels = 1
  case 2: channels = 3
  default: throw PNGDecodeError("unsupported colour type \(ihdr[9])")
  }

  // zlib header
  guard idat.count >= 6 else { throw PNGDecodeError("IDAT too short") }
  guard idat[0] & 0x0F == 8, (Int(idat[0]) * 256 + Int(idat[1])) % 31 == 0, idat[1] & 0x20 == 0 else {
    throw PNGDecodeError("bad zlib header")
  }
  var p = 2
  var raw: [UInt8] = []
  var blockSizes: [Int] = []
  while true {
    guard p + 5 <= idat.count else { throw PNGDecodeError("truncated deflate block") }
    let header = idat[p]
    guard header & 0b110 == 0 else { throw PNGDecodeError("not a stored block") }
    guard header >> 3 == 0 else { throw PNGDecodeError("nonzero padding bits") }
    let len = Int(idat[p + 1]) | Int(idat[p + 2]) << 8
    let nlen = Int(idat[p + 3]) | Int(idat[p + 4]) << 8
    guard len ^ nlen == 0xFFFF else { throw PNGDecodeError("LEN/NLEN mismatch") }
    guard p + 5 + len <= idat.count else { throw PNGDecodeError("stored block overruns") }
    raw += idat[p + 5..<p + 5 + len]
    blockSizes.append(len)
    p += 5 + len
    if header & 1 == 1 { break }
  }
  guard p + 4 == idat.count else { throw PNGDecodeError("expected exactly the Adler-32 after the last block") }
  guard bigEndian(idat, p) == naiveAdler32(raw) else { throw PNGDecodeError("Adler-32 mismatch") }

  let rowBytes = width * channels
  guard raw.count == (rowBytes + 1) * height else { throw PNGDecodeError("raw size \(raw.count)") }
  var pixels: [UInt8] = []
  for row in 0..<height {
    guard raw[row * (rowBytes + 1)] == 0 else { throw PNGDecodeError("row \(row) uses a filter") }
    pixels += raw[row * (rowBytes + 1) + 1..<(row + 1) * (rowBytes + 1)]
  }
  return DecodedPNG(
    width: width, height: height, colorType: ihdr[9], pixels: pixels,
    chunkTypes: types, blockSizes: blockSizes)
}
