import Foundation
import GancData
import Testing

@Suite struct PNGWriterTests {
  @Test func checksumsMatchPublishedVectors() {
    #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(Checksum.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    #expect(Checksum.crc32([UInt8]()) == 0)
    #expect(Checksum.adler32([UInt8]()) == 1)
  }

  @Test func checksumsMatchReferenceImplementationsOnLongInput() {
    // Long enough to cross Adler-32's deferred-modulo runs (5552 bytes) several times, with
    // 0xFF bytes to make the sums as large as possible.
    let bytes = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) | ($0 % 7 == 0 ? 0xFF : 0) }
    #expect(Checksum.adler32(bytes) == naiveAdler32(bytes))
    #expect(Checksum.crc32(bytes) == bitwiseCRC32(bytes))
    #expect(
      Checksum.adler32([UInt8](repeating: 0xFF, count: 100_000))
        == naiveAdler32([UInt8](repeating: 0xFF, count: 100_000)))
    #expect(Checksum.crc32(bytes[20_000...], continuing: Checksum.crc32(bytes[..<20_000])) == Checksum.crc32(bytes))
  }

  /// Sizes chosen around the 65535-byte stored-block limit: the raw stream is (width + 1) ·
  /// height bytes for gray, so 65534 × 1 fills exactly one block and 65535 × 1 needs two.
  @Test(arguments: [(1, 1), (3, 2), (65534, 1), (65535, 1), (300, 300), (17, 5)])
  func grayRoundTrip(width: Int, height: Int) throws {
    let pixels = (0..<width * height).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / width) }
    let png = PNGWriter.encodeGray(width: width, height: height, pixels: pixels)
    let decoded = try decodePNG(png)
    #expect(decoded.width == width)
    #expect(decoded.height == height)
    #expect(decoded.colorType == 0)
    #expect(decoded.pixels == pixels)
    #expect(decoded.chunkTypes == ["IHDR", "IDAT", "IEND"])
    let raw = (width + 1) * height
    #expect(decoded.blockSizes.reduce(0, +) == raw)
    #expect(decoded.blockSizes.count == (raw + 65534) / 65535)
    #expect(decoded.blockSizes.allSatisfy { $0 <= 65535 })
  }

  @Test(arguments: [(1, 1), (4, 3), (200, 120)])
  func rgbRoundTrip(width: Int, height: Int) throws {
    let pixels = (0..<width * height * 3).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let decoded = try decodePNG(PNGWriter.encodeRGB(width: width, height: height, pixels: pixels))
    #expect(decoded.width == width && decoded.height == height)
    #expect(decoded.colorType == 2)
    #expect(decoded.pixels == pixels)
  }

  @Test func writesAFileAndPythonZlibAgrees() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/image.png"
    let bitmap = Bitmap(width: 5, height: 3, format: .gray, pixels: (0..<15).map { UInt8($0 * 17) })
    try bitmap.writePNG(to: path)
    let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(onDisk == bitmap.pngData())
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["image.png"])

    // Optional cross-check with a real zlib; skipped where Python is not installed.
    let python = "/usr/bin/python3"
    guard FileManager.default.isExecutableFile(atPath: python) else { return }
    let script = """
      import sys, zlib, struct
      data = open(sys.argv[1], 'rb').read()
      at, idat = 8, b''
      while at < len(data):
          n, = struct.unpack('>I', data[at:at+4]); t = data[at+4:at+8]
          if t == b'IDAT': idat += data[at+8:at+8+n]
          at += 12 + n
      raw = zlib.decompress(idat)
      print(','.join(str(b) for i, b in enumerate(raw) if i % 6 != 0))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script, path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0)
    #expect(
      text.trimmingCharacters(in: .whitespacesAndNewlines) == bitmap.pixels.map(String.init).joined(separator: ","))
  }

  @Test func writeToMissingDirectoryFails() {
    let path = "/nonexistent-ganc-dir/image.png"
    do {
      try PNGWriter.write(png: [1, 2, 3], to: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.message.contains("/nonexistent-ganc-dir/image.png"))
      #expect(error.message.contains("No such file or directory"))
    }
  }
}
