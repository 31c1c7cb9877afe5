/// A source file held in memory as UTF-8 bytes, with a line table built once.
///
/// Positions throughout ganc are byte offsets into `bytes` (as in swift-syntax); lines and
/// columns are computed only when something is shown to a person.
public struct SourceFile: Sendable {
  /// The path as the user gave it; used verbatim in diagnostics.
  public let path: String
  public let bytes: [UInt8]
  /// The byte offset at which each line starts; `lineStarts[0] == 0`.
  public let lineStarts: [Int]

  public init(path: String, text: String) {
    self.path = path
    self.bytes = Array(text.utf8)
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
      starts.append(i + 1)
    }
    self.lineStarts = starts
  }

  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// The 1-based line and column of `offset`; the column counts Unicode scalars so a caret
  /// lines up under non-ASCII text in a terminal.
  public func location(of offset: Int) -> SourceLocation {
    let clamped = max(0, min(offset, bytes.count))
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
    }
    let start = lineStarts[lo]
    let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
    return SourceLocation(line: lo + 1, column: prefix.unicodeScalars.count + 1, offset: clamped)
  }

  /// The text of 1-based line `line`, without its newline.
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lineStarts.count else { return "" }
    let start = lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] : bytes.count
    while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
      end -= 1
    }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// The source text covered by `range`.
  public func text(in range: SourceRange) -> String {
    let lo = max(0, min(range.start, bytes.count))
    let hi = max(lo, min(range.end, bytes.count))
    return String(decoding: bytes[lo..<hi], as: UTF8.self)
  }

  public var lineCount: Int { lineStarts.count }
}

/// A position shown to a person: 1-based line and column, and the byte offset it came from.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public let line: Int
  public let column: Int
  public let offset: Int
  public var description: String { "\(line):\(column)" }
}

/// A half-open range of byte offsets `[start, end)` in one source file.
public struct SourceRange: Hashable, Sendable, CustomStringConvertible {
  public var start: Int
  public var end: Int

  public init(start: Int, end: Int) {
    self.start = start
    self.end = max(start, end)
  }

  /// An empty range at `offset`, for things that are missing rather than wrong.
  public init(at offset: Int) { self.init(start: offset, end: offset) }

  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(start: min(start, other.start), end: max(end, other.end))
  }

  public var isEmpty: Bool { start == end }
  public var description: String { "\(start)..<\(end)" }
}
