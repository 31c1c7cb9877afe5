import CZlib

/// gzip decompression with zlib, for data files shipped compressed (Fashion-MNIST's `.gz`).
enum Gzip {
  /// Whether `bytes` starts with the gzip magic number 0x1f 0x8b.
  static func isCompressed(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// The decompressed contents of the gzip data `bytes`, which may hold several members back
  /// to back (as `cat a.gz b.gz` makes); their outputs are concatenated.
  ///
  /// `limit` is asked after every decompressed chunk for the largest output the caller can
  /// use, given what has been produced so far (nil: not known yet). Once the output is
  /// longer than that, decompression stops and the output so far is returned, so a reader
  /// whose header says how much data follows neither inflates a huge or hostile file in full
  /// nor needs to: any output beyond the limit is already an error for it.
  ///
  /// Errors (all naming `path`): corrupt data (including a wrong CRC-32 or length in a
  /// member's trailer), a stream that ends early (a truncated file), and bytes after the last
  /// member that do not start another one.
  static func decompress(
    _ bytes: [UInt8], path: String?, limit: ([UInt8]) -> Int? = { _ in nil }
  ) throws(DataError) -> [UInt8] {
    let name = path.map { "`\($0)`" } ?? "the data"
    var stream = z_stream()
    let initStatus = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard initStatus == Z_OK else {
      throw DataError("cannot decompress \(name): zlib failed to start (status \(initStatus))", path: path)
    }
    defer { inflateEnd(&stream) }

    var output: [UInt8] = []
    // The last member's trailer holds its size modulo 2³²: a good capacity hint for the usual
    // single-member file, capped by deflate's best ratio (about 1032 : 1) against lies.
    if bytes.count >= 18 {
      let n = bytes.count
      let size = Int(bytes[n - 1]) << 24 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 3]) << 8 | Int(bytes[n - 4])
      output.reserveCapacity(min(size, bytes.count * 1032))
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    var failure: DataError? = nil

    bytes.withUnsafeBufferPointer { input in
      guard let base = input.baseAddress else {
        failure = DataError("cannot decompress \(name): it is empty", path: path)
        return
      }
      var fed = 0  // bytes of `input` handed to zlib so far
      func remaining() -> Int { Int(stream.avail_in) + (input.count - fed) }
      while true {
        if stream.avail_in == 0, fed < input.count {
          let n = min(input.count - fed, 1 << 30)
          stream.next_in = UnsafeMutablePointer(mutating: base + fed)
          stream.avail_in = UInt32(n)
          fed += n
        }
        var status: Int32 = Z_OK
        let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
          stream.next_out = out.baseAddress
          stream.avail_out = UInt32(out.count)
          status = inflate(&stream, Z_NO_FLUSH)
          return out.count - Int(stream.avail_out)
        }
        output.append(contentsOf: chunk[0..<produced])
        if let most = limit(output), output.count > most { return }

        switch status {
        case Z_OK:
          continue
        case Z_STREAM_END:
          let left = remaining()
          if left == 0 { return }
          let at = input.count - left
          if left >= 2, input[at] == 0x1F, input[at + 1] == 0x8B {
            inflateReset(&stream)
            continue
          }
          failure = DataError(
            "\(name) has \(left) byte\(left == 1 ? "" : "s") of extra data after the end of its gzip stream "
              + "(at byte \(at))", path: path)
          return
        case Z_BUF_ERROR:
          // No progress is possible with a fresh output chunk: the input ran out mid-stream.
          failure = DataError(
            "\(name) is truncated: its gzip stream ends early after \(output.count) decompressed bytes",
            path: path)
          return
        case Z_MEM_ERROR:
          failure = DataError("cannot decompress \(name): out of memory", path: path)
          return
        default:
          let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
          failure = DataError("\(name) is not valid gzip data: \(detail)", path: path)
          return
        }
      }
    }
    if let failure { throw failure }
    return output
  }
}
