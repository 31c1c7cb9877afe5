import CZlib
import Foundation
import GancData
import Testing

/// Where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST.
let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
let fashionMNISTInstalled = FileManager.default.fileExists(
  atPath: fashionMNISTDirectory + "/t10k-images-idx3-ubyte.gz")

/// The IDX encoding of `values` with the given type code and dimensions, written here
/// independently of the reader (big-endian by hand).
func idxBytes(type: UInt8, dimensions: [Int], values: [Double]) -> [UInt8] {
  var out: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
  func bigEndian(_ word: UInt64, bytes: Int) {
    for k in stride(from: bytes - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: word >> (8 * k))) }
  }
  for d in dimensions { bigEndian(UInt64(d), bytes: 4) }
  for v in values {
    switch type {
    case 0x08: out.append(UInt8(v))
    case 0x09: out.append(UInt8(bitPattern: Int8(v)))
    case 0x0B: bigEndian(UInt64(UInt16(bitPattern: Int16(v))), bytes: 2)
    case 0x0C: bigEndian(UInt64(UInt32(bitPattern: Int32(v))), bytes: 4)
    case 0x0D: bigEndian(UInt64(Float(v).bitPattern), bytes: 4)
    case 0x0E: bigEndian(v.bitPattern, bytes: 8)
    default: fatalError("no such IDX type \(type)")
    }
  }
  return out
}

/// Writes `bytes` to `path` raw, or gzip-compressed with zlib's own `gzwrite` (appending a
/// new gzip member when `append` is set).
func writeFile(_ bytes: [UInt8], to path: String, gzip: Bool, append: Bool = false) throws {
  guard gzip else {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return
  }
  let file = try #require(gzopen(path, append ? "ab" : "wb"), "gzopen failed for \(path)")
  let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
  #expect(gzclose(file) == Z_OK)
  #expect(Int(written) == bytes.count)
}

func appendBytes(_ bytes: [UInt8], to path: String) throws {
  let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
  try handle.seekToEnd()
  try handle.write(contentsOf: Data(bytes))
  try handle.close()
}

@Suite struct IDXReaderTests {
  /// Values each type can hold exactly, with the extremes of the integer types.
  static func sample(_ type: IDXElementType) -> [Double] {
    switch type {
    case .uint8: [0, 1, 2, 127, 128, 200, 254, 255, 7, 9, 10, 11]
    case .int8: [-128, -1, 0, 1, 127, 5, -5, 64, -64, 3, 2, 1]
    case .int16: [-32768, -1, 0, 1, 32767, 300, -300, 1000, 4, 5, 6, 7]
    case .int32: [-16_777_216, -1, 0, 1, 16_777_216, 70000, -70000, 123_456, 8, 9, 10, 11]
    case .float32: [-1.5, 0, 0.25, 1e-3, 3e38, -2.75, 1, 2, 3, 4, 5, 0.1]
    case .float64: [-1.5, 0, 0.25, 1e-3, 1e30, -2.75, 1, 2, 3, 4, 5, 0.1]
    }
  }

  @Test(arguments: IDXElementType.allCases, [false, true])
  func roundTripsEveryType(type: IDXElementType, compressed: Bool) throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/sample.idx" + (compressed ? ".gz" : "")
    let values = Self.sample(type)
    try writeFile(idxBytes(type: type.rawValue, dimensions: [3, 2, 2], values: values), to: path, gzip: compressed)

    let data = try IDXReader.read(path: path)
    #expect(data.elementType == type)
    #expect(data.itemShape == [2, 2])
    #expect(data.header.dimensions == [3, 2, 2])
    #expect(data.table.rowCount == 3 && data.table.columnCount == 4)
    #expect(data.table.values == values.map { Float($0) })
    #expect(try Table(idxAt: path) == data.table)
    #expect(try IDXReader.header(path: path) == IDXHeader(elementType: type, dimensions: [3, 2, 2]))
  }

  @Test(
    arguments: [
      ([5], 5, 1, []), ([2, 3], 2, 3, [3]), ([1, 2, 3, 2], 1, 12, [2, 3, 2]), ([0, 28, 28], 0, 784, [28, 28]),
    ]
      as [([Int], Int, Int, [Int])])
  func shapesOfEveryRank(dimensions: [Int], rows: Int, columns: Int, itemShape: [Int]) throws {
    let count = dimensions.reduce(1, *)
    let bytes = idxBytes(type: 0x08, dimensions: dimensions, values: (0..<count).map { Double($0 % 256) })
    let data = try IDXReader.parse(bytes: bytes)
    #expect(data.table.rowCount == rows && data.table.columnCount == columns)
    #expect(data.itemShape == itemShape)
    #expect(data.table.values == (0..<count).map { Float($0 % 256) })
  }

  @Test func readsConcatenatedGzipMembers() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/two-members.gz"
    let bytes = idxBytes(type: 0x08, dimensions: [4, 3], values: (0..<12).map(Double.init))
    try writeFile(Array(bytes[..<7]), to: path, gzip: true)
    try writeFile(Array(bytes[7...]), to: path, gzip: true, append: true)
    #expect(try Table(idxAt: path).values == (0..<12).map(Float.init))
  }

  /// A broken file (raw and compressed) and words its error message must contain.
  @Test(
    arguments: [
      (
        "truncated data", Array(idxBytes(type: 0x08, dimensions: [2, 3], values: [1, 2, 3, 4, 5, 6]).dropLast()),
        "truncated"
      ),
      ("extra data", idxBytes(type: 0x0B, dimensions: [2], values: [1, 2]) + [0], "extra data"),
      ("bad magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 9], "not an IDX file: it starts with 0x01 0x00"),
      ("text file", Array("hello, world\n".utf8), "not an IDX file"),
      ("unknown type", [0x00, 0x00, 0x07, 0x01, 0, 0, 0, 1, 9], "unknown IDX element type 0x07"),
      ("rank 0", [0x00, 0x00, 0x08, 0x00], "rank 0"),
      ("short header", [0x00, 0x00, 0x08, 0x03, 0, 0, 0, 1], "truncated"),
      ("tiny", [0x00, 0x00], "fewer than the 4"),
      (
        "not finite", idxBytes(type: 0x0D, dimensions: [1, 2], values: [1, .nan]),
        "item 0, element 1: nan is not a finite number"
      ),
      ("too large", idxBytes(type: 0x0E, dimensions: [2], values: [1, 1e300]), "too large for a 32-bit float"),
      (
        "huge header", [0, 0, 0x0E, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        "too much"
      ),
    ] as [(String, [UInt8], String)])
  func rejectsBrokenFiles(name: String, bytes: [UInt8], expected: String) throws {
    let directory = try makeTemporaryDirectory()
    for compressed in [false, true] {
      let path = directory + "/broken" + (compressed ? ".gz" : ".idx")
      try writeFile(bytes, to: path, gzip: compressed)
      let error = #expect(throws: DataError.self, "\(name), compressed: \(compressed)") {
        try IDXReader.read(path: path)
      }
      #expect(error?.message.contains(expected) == true, "\(name): \(error?.message ?? "")")
      #expect(error?.message.contains(path) == true, "\(name): the message names the file")
      #expect(error?.path == path)
    }
  }

  @Test func rejectsBrokenGzipStreams() throws {
    let directory = try makeTemporaryDirectory()
    let path = directory + "/data.gz"
    let bytes = idxBytes(type: 0x08, dimensions: [100, 10], values: (0..<1000).map { Double($0 % 7) })
    try writeFile(bytes, to: path, gzip: true)
    let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

    let cut = #expect(throws: DataError.self) { try IDXReader.parse(bytes: Array(compressed.dropLast(6)), path: path) }
    #expect(cut?.message.contains("truncated") == true, "\(cut?.message ?? "")")

    let trailing = #expect(throws: DataError.self) { try IDXReader.parse(bytes: compressed + [1, 2, 3], path: path) }
    #expect(trailing?.message.contains("3 bytes of extra data after the end of its gzip stream") == true)

    var corrupt = compressed
    corrupt[corrupt.count - 8] ^= 0xFF  // the CRC-32 in the trailer
    let crc = #expect(throws: DataError.self) { try IDXReader.parse(bytes: corrupt, path: path) }
    #expect(crc?.message.contains("not valid gzip data") == true, "\(crc?.message ?? "")")

    // Extra decompressed data is reported without inflating it all.
    try writeFile(bytes + [UInt8](repeating: 0, count: 1 << 22), to: path, gzip: true)
    let extra = #expect(throws: DataError.self) { try IDXReader.read(path: path) }
    #expect(extra?.message.contains("extra data") == true)
    #expect(try IDXReader.header(path: path).dimensions == [100, 10])
  }

  @Test func missingFile() {
    #expect(throws: DataError("file not found: /nonexistent/x.idx", path: "/nonexistent/x.idx")) {
      try Table(idxAt: "/nonexistent/x.idx")
    }
  }

  @Test(.enabled(if: fashionMNISTInstalled, "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
  func readsFashionMNIST() throws {
    let dir = fashionMNISTDirectory
    #expect(
      try IDXReader.header(path: dir + "/train-images-idx3-ubyte.gz")
        == IDXHeader(elementType: .uint8, dimensions: [60000, 28, 28]))

    // The 60000 training images are read in full once, here (about 2 s in a debug build);
    // their values are spot-checked, the 10000 test images' values all checked.
    let train = try IDXReader.read(path: dir + "/train-images-idx3-ubyte.gz")
    #expect(train.itemShape == [28, 28] && train.elementType == .uint8)
    #expect(train.table.rowCount == 60000 && train.table.columnCount == 784)
    let spotChecks = stride(from: 0, to: train.table.values.count, by: 97).map { train.table.values[$0] }
    #expect(spotChecks.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })

    let images = try IDXReader.read(path: dir + "/t10k-images-idx3-ubyte.gz")
    #expect(images.table.rowCount == 10000 && images.table.columnCount == 784 && images.itemShape == [28, 28])
    var histogram = [Int](repeating: 0, count: 257)  // 0…255, then anything else
    images.table.values.withUnsafeBufferPointer { values in
      for v in values { histogram[v >= 0 && v <= 255 && v == v.rounded() ? Int(v) : 256] += 1 }
    }
    #expect(histogram[256] == 0, "every pixel is an integer in 0…255")
    #expect(histogram[0] > 0 && histogram[255] > 0, "the pixels span 0…255")

    for (file, count) in [("train", 60000), ("t10k", 10000)] {
      let labels = try IDXReader.read(path: dir + "/\(file)-labels-idx1-ubyte.gz")
      #expect(labels.itemShape == [] && labels.table.columnCount == 1 && labels.table.rowCount == count)
      var classes = [Int](repeating: 0, count: 10)
      for v in labels.table.values {
        try #require(v >= 0 && v <= 9 && v == v.rounded(), "label \(v)")
        classes[Int(v)] += 1
      }
      #expect(classes == [Int](repeating: count / 10, count: 10), "Fashion-MNIST's classes are balanced")
    }
  }
}
