/// The element type named by the third byte of an IDX header.
public enum IDXElementType: UInt8, Sendable, Hashable, CaseIterable {
  /// 0x08: unsigned byte (MNIST's pixels and labels).
  case uint8 = 0x08
  /// 0x09: signed byte.
  case int8 = 0x09
  /// 0x0B: 16-bit signed integer, big-endian.
  case int16 = 0x0B
  /// 0x0C: 32-bit signed integer, big-endian.
  case int32 = 0x0C
  /// 0x0D: 32-bit IEEE float, big-endian.
  case float32 = 0x0D
  /// 0x0E: 64-bit IEEE float, big-endian.
  case float64 = 0x0E

  /// Bytes per element.
  public var byteCount: Int {
    switch self {
    case .uint8, .int8: 1
    case .int16: 2
    case .int32, .float32: 4
    case .float64: 8
    }
  }

  /// A name for messages, e.g. "unsigned byte".
  public var name: String {
    switch self {
    case .uint8: "unsigned byte"
    case .int8: "signed byte"
    case .int16: "16-bit integer"
    case .int32: "32-bit integer"
    case .float32: "32-bit float"
    case .float64: "64-bit float"
    }
  }
}

/// The header of an IDX file: element type and dimensions.
///
/// Invariants: `dimensions` is not empty (the first is the item count) and every entry is
/// below 2³²; `byteCount` is `4 + 4 * dimensions.count`.
public struct IDXHeader: Sendable, Hashable {
  /// The type of every element.
  public let elementType: IDXElementType
  /// All dimensions, outermost first: `[items] + itemShape`.
  public let dimensions: [Int]

  /// A header; `dimensions` must not be empty.
  public init(elementType: IDXElementType, dimensions: [Int]) {
    precondition(!dimensions.isEmpty && dimensions.allSatisfy { $0 >= 0 }, "IDX dimensions \(dimensions)")
    self.elementType = elementType
    self.dimensions = dimensions
  }

  /// The number of items (the first dimension).
  public var itemCount: Int { dimensions[0] }
  /// The shape of one item: the dimensions after the first (`[28, 28]` for MNIST images,
  /// `[]` for labels).
  public var itemShape: [Int] { Array(dimensions.dropFirst()) }
  /// The size of the header in bytes.
  public var byteCount: Int { 4 + 4 * dimensions.count }
  /// `dimensions` as written in messages: "60000 × 28 × 28".
  var shapeText: String { dimensions.map(String.init).joined(separator: " × ") }
}

/// An IDX file's contents: one table row per item, plus the shape of an item.
///
/// Invariants: `table.rowCount == header.itemCount`, `table.columnCount` is the product of
/// `itemShape` (1 for a rank-1 file such as labels), and every value is finite. Row `i` holds
/// item `i`'s elements in the file's order (row-major over `itemShape`), converted to `Float`
/// without scaling (pixels stay 0…255; 32-bit integers beyond 2²⁴ round to the nearest `Float`).
public struct IDXData: Sendable, Equatable {
  /// The element type and dimensions read from the header.
  public let header: IDXHeader
  /// The shape of one item, e.g. `[28, 28]`; `[]` for a file of scalars such as labels.
  public let itemShape: [Int]
  /// One row per item.
  public let table: Table

  /// The element type read from the header.
  public var elementType: IDXElementType { header.elementType }
}

/// Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.
///
/// The format: two zero bytes, a type byte (see `IDXElementType`), a rank byte r ≥ 1, then r
/// big-endian 32-bit dimensions, then exactly product(dimensions) big-endian elements. A file
/// starting with the gzip magic 0x1f 0x8b is decompressed first (with zlib, any number of
/// members). The size must match the header exactly: a short file is "truncated" and bytes
/// after the last element are "extra data", both errors, since either means the file is not
/// what its header claims. Floating-point elements must be finite and fit a `Float`.
///
/// Reading never traps: any input gives an `IDXData` or a `DataError` naming the file.
public enum IDXReader {
  /// Reads the IDX file at `path` (raw or gzip-compressed).
  public static func read(path: String) throws(DataError) -> IDXData {
    try parse(bytes: contents(of: path, headerOnly: false), path: path)
  }

  /// Reads just the header of the IDX file at `path`, decompressing only the first bytes of
  /// a compressed file: a cheap way to learn the shape of a large data set.
  public static func header(path: String) throws(DataError) -> IDXHeader {
    try parseHeader(contents(of: path, headerOnly: true), path: path)
  }

  /// Parses IDX `bytes` (raw or gzip-compressed); `path`, if given, only labels errors.
  public static func parse(bytes: [UInt8], path: String? = nil) throws(DataError) -> IDXData {
    let bytes = Gzip.isCompressed(bytes) ? try Gzip.decompress(bytes, path: path, limit: expectedSize) : bytes
    let header = try parseHeader(bytes, path: path)
    let itemCount = header.itemCount
    let width = header.itemShape.reduce(1, *)  // cannot overflow: parseHeader checked the total
    let count = itemCount * width
    let size = header.elementType.byteCount
    let available = bytes.count - header.byteCount
    let needed = count * size
    let described = "\(header.shapeText) \(header.elementType.name)\(count == 1 ? "" : "s")"
    if available < needed {
      throw DataError(
        "\(name(path)) is truncated: its header describes \(described) (\(needed) bytes of data) "
          + "but only \(available) byte\(available == 1 ? "" : "s") follow", path: path)
    }
    if available > needed {
      throw DataError(
        "\(name(path)) has extra data: its header describes \(described) (\(needed) bytes of data) "
          + "but more bytes follow", path: path)
    }

    var values = [Float](repeating: 0, count: count)
    var bad: (index: Int, value: Double)? = nil
    bytes.withUnsafeBufferPointer { all in
      values.withUnsafeMutableBufferPointer { out in
        let data = UnsafeBufferPointer(rebasing: all[header.byteCount...])
        func word(_ i: Int, _ n: Int) -> UInt64 {
          var w: UInt64 = 0
          for k in 0..<n { w = w << 8 | UInt64(data[i * n + k]) }
          return w
        }
        switch header.elementType {
        case .uint8:
          for i in 0..<count { out[i] = Float(data[i]) }
        case .int8:
          for i in 0..<count { out[i] = Float(Int8(bitPattern: data[i])) }
        case .int16:
          for i in 0..<count { out[i] = Float(Int16(bitPattern: UInt16(word(i, 2)))) }
        case .int32:
          for i in 0..<count { out[i] = Float(Int32(bitPattern: UInt32(word(i, 4)))) }
        case .float32:
          for i in 0..<count {
            let v = Float(bitPattern: UInt32(word(i, 4)))
            if !v.isFinite {
              bad = (i, Double(v))
              return
            }
            out[i] = v
          }
        case .float64:
          for i in 0..<count {
            let d = Double(bitPattern: word(i, 8))
            let v = Float(d)
            if !v.isFinite {
              bad = (i, d)
              return
            }
            out[i] = v
          }
        }
      }
    }
    if let (index, value) = bad {
      let problem = value.isFinite ? "\(value) is too large for a 32-bit float" : "\(value) is not a finite number"
      throw DataError(
        "\(name(path)): item \(index / max(width, 1)), element \(index % max(width, 1)): \(problem)", path: path)
    }
    return IDXData(
      header: header, itemShape: header.itemShape,
      table: Table(rowCount: itemCount, columnCount: width, values: values))
  }

  /// The bytes of `path`, decompressed if gzip (only far enough for the header if asked).
  private static func contents(of path: String, headerOnly: Bool) throws(DataError) -> [UInt8] {
    let bytes = try AtomicFile.load(path)
    guard Gzip.isCompressed(bytes) else { return bytes }
    return try Gzip.decompress(bytes, path: path, limit: headerOnly ? headerSize : expectedSize)
  }

  /// How many leading bytes are the header, once enough are known (4 when the magic is wrong:
  /// nothing after it matters).
  private static func headerSize(_ prefix: [UInt8]) -> Int? {
    guard prefix.count >= 4 else { return nil }
    guard prefix[0] == 0, prefix[1] == 0 else { return 4 }
    return 4 + 4 * Int(prefix[3])
  }

  /// The size of the whole file its header describes, once the header is complete and valid
  /// (so decompression can stop as soon as the output is longer: that is already "extra data").
  private static func expectedSize(_ prefix: [UInt8]) -> Int? {
    guard let headerBytes = headerSize(prefix), prefix.count >= headerBytes else { return nil }
    guard let header = try? parseHeader(prefix, path: nil) else { return headerBytes }
    return header.byteCount + header.dimensions.reduce(1, *) * header.elementType.byteCount
  }

  private static func name(_ path: String?) -> String {
    path.map { "`\($0)`" } ?? "the data"
  }

  /// The header at the start of `bytes`, checked: magic, type, rank, and a total size that
  /// fits in memory arithmetic.
  static func parseHeader(_ bytes: [UInt8], path: String?) throws(DataError) -> IDXHeader {
    let file = name(path)
    func hex(_ b: UInt8) -> String {
      let digits = Array("0123456789abcdef")
      return "0x" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
    }
    guard bytes.count >= 4 else {
      throw DataError(
        "\(file) is not an IDX file: it has \(bytes.count) byte\(bytes.count == 1 ? "" : "s"), "
          + "fewer than the 4 of the smallest header", path: path)
    }
    guard bytes[0] == 0, bytes[1] == 0 else {
      throw DataError(
        "\(file) is not an IDX file: it starts with \(hex(bytes[0])) \(hex(bytes[1])), "
          + "not the magic 0x00 0x00 (nor gzip's 0x1f 0x8b)", path: path)
    }
    guard let type = IDXElementType(rawValue: bytes[2]) else {
      let known = IDXElementType.allCases.map { "\(hex($0.rawValue)) (\($0.name))" }.joined(separator: ", ")
      throw DataError("\(file): unknown IDX element type \(hex(bytes[2])); expected one of \(known)", path: path)
    }
    let rank = Int(bytes[3])
    guard rank >= 1 else {
      throw DataError("\(file): the IDX header has rank 0, but it needs at least the item count", path: path)
    }
    let headerBytes = 4 + 4 * rank
    guard bytes.count >= headerBytes else {
      throw DataError(
        "\(file) is truncated: its rank-\(rank) IDX header needs \(headerBytes) bytes but the file has "
          + "\(bytes.count)", path: path)
    }
    var dimensions: [Int] = []
    var total = type.byteCount
    for d in 0..<rank {
      let at = 4 + 4 * d
      let n = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
      dimensions.append(n)
      let (product, overflow) = total.multipliedReportingOverflow(by: n)
      guard !overflow, product <= Int(Int32.max) * 64 else {
        throw DataError(
          "\(file): the IDX header describes \(dimensions.map(String.init).joined(separator: " × ")) … "
            + "\(type.name)s, too much data to hold in memory", path: path)
      }
      total = product
    }
    return IDXHeader(elementType: type, dimensions: dimensions)
  }
}

extension Table {
  /// Reads the IDX file at `path` (raw or gzip-compressed) as one row per item; see
  /// `IDXReader`. Use `IDXReader.read(path:)` to also get the item shape.
  public init(idxAt path: String) throws(DataError) {
    self = try IDXReader.read(path: path).table
  }
}
