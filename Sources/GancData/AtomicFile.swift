#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads and crash-safe whole-file writes, with errors phrased for people.
///
/// Writes go to a temporary file in the destination's directory, which is flushed to disk and
/// then renamed over the destination. `rename` within one file system is atomic, so a reader
/// (or a run resumed after a crash) sees either the old file or the complete new one, never a
/// prefix. The temporary file must be in the same directory because a rename across file
/// systems is a copy and is not atomic.
enum AtomicFile {
  /// The bytes of the regular file at `path`.
  static func load(_ path: String) throws(DataError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let code = errno
      if code == ENOENT { throw DataError("file not found: \(path)", path: path) }
      throw failure("cannot open", path, code)
    }
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) != 0 { throw failure("cannot read", path, errno) }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw DataError("`\(path)` is a directory, not a file", path: path)
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(max(0, Int(info.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n == 0 { break }
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("cannot read", path, errno)
      }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
  }

  /// Replaces the file at `path` with `bytes` atomically (see the type's comment).
  static func store(_ bytes: [UInt8], at path: String) throws(DataError) {
    guard !path.isEmpty else { throw DataError("cannot write a file with an empty path") }
    let (directory, name) = split(path)
    guard !name.isEmpty else { throw DataError("cannot write `\(path)`: it names a directory", path: path) }

    // Unique without a random source: the pid separates processes, the clock separates calls,
    // and O_EXCL plus a retry covers the rest (two threads in the same nanosecond).
    var fd: Int32 = -1
    var temporary = ""
    for attempt in 0..<100 {
      var now = timespec()
      clock_gettime(CLOCK_MONOTONIC, &now)
      temporary = "\(directory)/.\(name).tmp.\(getpid()).\(now.tv_sec)\(now.tv_nsec).\(attempt)"
      fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
      if fd >= 0 || errno != EEXIST { break }
    }
    if fd < 0 { throw failure("cannot create a file next to", path, errno) }

    var failed: (String, Int32)? = nil
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failed = ("cannot write", errno)
          return
        }
        offset += n
      }
    }
    // fsync before rename: otherwise a crash can leave the new name pointing at a file whose
    // data never reached the disk, which is the half-written file this type exists to avoid.
    if failed == nil, fsync(fd) != 0 { failed = ("cannot flush", errno) }
    if close(fd) != 0, failed == nil { failed = ("cannot write", errno) }
    if failed == nil, rename(temporary, path) != 0 { failed = ("cannot replace", errno) }
    if let (what, code) = failed {
      unlink(temporary)
      throw failure(what, path, code)
    }
    // Make the rename itself durable; failing here loses nothing already on disk, so ignore it.
    let dirfd = open(directory, O_RDONLY | O_CLOEXEC)
    if dirfd >= 0 {
      _ = fsync(dirfd)
      close(dirfd)
    }
  }

  /// The directory part ("." when there is none) and the last component of `path`.
  private static func split(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
  }

  private static func failure(_ what: String, _ path: String, _ code: Int32) -> DataError {
    DataError("\(what) `\(path)`: \(String(cString: strerror(code)))", path: path)
  }
}
