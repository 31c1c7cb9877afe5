import Foundation
import GancRuntime

/// A training run's whole state: parameters, each optimizer's Adam moments, and the positions of
/// every random stream and data sampler, so a resumed run continues exactly where it stopped.
///
/// File layout: the line `ganc-checkpoint 1`, a line with the byte length of the JSON
/// header, the header (`Header`), then the tensors as little-endian float32, in the order
/// the header lists them.
struct Checkpoint {
  struct TensorEntry: Codable {
    var name: String
    var shape: [Int]
  }

  struct OptimizerEntry: Codable {
    var name: String
    /// Updates applied to each parameter, in parameter order.
    var updateCounts: [Int]
  }

  struct Header: Codable {
    var model: String
    var iteration: Int
    var seed: UInt64
    var parameters: [TensorEntry]
    var optimizers: [OptimizerEntry]
    var data: DataFeeder.State
    /// The latest value of each step's loss.
    var losses: [String: Float]
  }

  var header: Header
  /// Parameter values in `header.parameters` order, then each optimizer's first and second
  /// moments (each laid out like the parameters), in `header.optimizers` order.
  var values: [Float]

  static let magic = "ganc-checkpoint 1"

  func encoded() throws(DriverError) -> [UInt8] {
    let json: Data
    do {
      let enc = JSONEncoder()
      enc.outputFormatting = [.sortedKeys]
      json = try enc.encode(header)
    } catch {
      throw DriverError("cannot encode checkpoint: \(error)")
    }
    var out = Array("\(Self.magic)\n\(json.count)\n".utf8)
    out += json
    out.reserveCapacity(out.count + 4 * values.count)
    for v in values {
      let bits = v.bitPattern.littleEndian
      out += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
    }
    return out
  }

  static func decode(_ bytes: [UInt8], path: String) throws(DriverError) -> Checkpoint {
    func bad(_ why: String) -> DriverError { DriverError("`\(path)` is not a ganc checkpoint: \(why)") }
    var i = 0
    func line() -> String? {
      guard let nl = bytes[i...].firstIndex(of: 10) else { return nil }
      let s = String(decoding: bytes[i..<nl], as: UTF8.self)
      i = nl + 1
      return s
    }
    guard line() == magic else { throw bad("it does not start with `\(magic)`") }
    guard let lenText = line(), let len = Int(lenText), len > 0, i + len <= bytes.count else {
      throw bad("bad header length")
    }
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(bytes[i..<i + len]))
    } catch {
      throw bad("unreadable header (\(error))")
    }
    i += len
    let rest = bytes.count - i
    guard rest % 4 == 0 else { throw bad("the tensor data is truncated") }
    var values = [Float](repeating: 0, count: rest / 4)
    for k in 0..<values.count {
      let b = i + 4 * k
      let bits = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24
      values[k] = Float(bitPattern: bits)
    }
    return Checkpoint(header: header, values: values)
  }
}
