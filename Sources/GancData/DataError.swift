/// A problem reading or writing data: a malformed CSV file, a missing file, a failed write.
///
/// `message` is complete on its own ("line 12, field 5: `abc` is not a number"); `path`,
/// `line` and `field` repeat the location as data so a caller (the driver's diagnostics, a
/// test) can point at it without parsing the text. Lines and fields count from 1, and lines
/// are physical lines of the file, blank ones included, so they match an editor's numbering.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong, including the line and field when the problem is inside a file.
  public var message: String
  /// The file involved, when there is one (text parsed from memory has none).
  public var path: String?
  /// The 1-based line of the file where the problem is, if it is inside the file.
  public var line: Int?
  /// The 1-based field (column) within `line`, if the problem is a single field.
  public var field: Int?

  /// An error whose `message` is already complete; the location fields are for tools.
  public init(_ message: String, path: String? = nil, line: Int? = nil, field: Int? = nil) {
    self.message = message
    self.path = path
    self.line = line
    self.field = field
  }

  /// `path: message`, or just the message when there is no path or the message already
  /// names it (file-level errors such as "file not found: …" do).
  public var description: String {
    guard let path, !message.contains(path) else { return message }
    return "\(path): \(message)"
  }
}
