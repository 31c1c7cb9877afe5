import Foundation

/// File access for the driver, with errors that name the file and say what went wrong.
enum FileIO {
  static func readText(_ path: String) throws(DriverError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
        throw DriverError(isDir.boolValue ? "`\(path)` is a directory, not a file" : "cannot read `\(path)`")
      }
      throw DriverError("no such file: `\(path)`")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw DriverError("`\(path)` is not UTF-8 text")
    }
    return text
  }

  static func readBytes(_ path: String) throws(DriverError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DriverError("no such file: `\(path)`")
    }
    return [UInt8](data)
  }

  /// Writes atomically: a crash leaves the old file or the new one, never half of one.
  static func write(_ bytes: [UInt8], to path: String) throws(DriverError) {
    do {
      try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw DriverError("cannot write `\(path)`: \(error.localizedDescription)")
    }
  }

  static func write(_ text: String, to path: String) throws(DriverError) {
    try write(Array(text.utf8), to: path)
  }

  static func createDirectory(_ path: String) throws(DriverError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw DriverError("cannot create directory `\(path)`: \(error.localizedDescription)")
    }
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  static func directory(of path: String) -> String {
    let d = (path as NSString).deletingLastPathComponent
    return d.isEmpty ? "." : d
  }

  /// `path` if absolute, else relative to `base`.
  static func resolve(_ path: String, relativeTo base: String) -> String {
    path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
  }

  static func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }
}
