import Foundation
import GancDriver

/// A scratch directory removed when the value is released.
final class ScratchDirectory {
  let path: String

  init() {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("ganc-tests-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  @discardableResult
  func write(_ name: String, _ text: String) -> String {
    let p = file(name)
    try! FileManager.default.createDirectory(
      atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try! text.write(toFile: p, atomically: true, encoding: .utf8)
    return p
  }

  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
  func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }
}

/// Runs the command line in-process and returns its exit status and what it printed.
func ganc(_ args: String...) -> (status: Int32, out: String, err: String) {
  ganc(args)
}

func ganc(_ args: [String]) -> (status: Int32, out: String, err: String) {
  let console = Console.captured()
  let status = Driver.run(args, console: console)
  return (status, console.capturedOutput, console.capturedError)
}

/// The repository's root, found from this file's path.
let repositoryRoot: String = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url.path
}()

/// A tiny conditional GAN on a generated CSV: small enough to train in a debug build.
let tinyConditionalModel = """
  gan tiny
  batch B = 8
  dim Z = 4
  dim K = 3

  data table = csv("table.csv")
  input x: [B, 6] = table.columns(0..<6).scaled(from: 0...10, to: -1...1)
  input y: [B] class(K) = table.column(6)
  noise z: [B, Z] = normal(0, 1)
  noise yf: [B] class(K) = uniform

  net G(z: [B, Z], y: [B] class(K)) -> [B, 6] {
    concat(z, one_hot(y)) |> dense(16) |> relu |> dense(6) |> tanh
  }
  net D(x: [B, 6], y: [B] class(K)) -> [B, 1] {
    concat(x, one_hot(y)) |> dense(16, in: 6 + K) |> leaky_relu(0.2) |> dense(1)
  }

  let fake = G(z, yf)
  loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
  loss g_loss = bce_logits(D(fake, yf), 1)

  train {
    steps 40
    seed 11
    optimizer adam(lr: 1e-2, beta1: 0.5)
    step d: minimize d_loss wrt D
    step g: minimize g_loss wrt G
    log every 5
    checkpoint every 20
    sample every 20 count 9: G(z, yf) as image(2, 3)
  }

  """

/// 30 rows of 6 values in 0...10 and a class in 0..<3 whose value shifts the row.
let tinyTable: String = {
  var rows: [String] = []
  var state: UInt64 = 12345
  func next() -> Double {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53)
  }
  for i in 0..<30 {
    let c = i % 3
    let values = (0..<6).map { j in String(Int(min(10, max(0, Double(3 * c) + Double(j % 2) + 3 * next())))) }
    rows.append((values + [String(c)]).joined(separator: ","))
  }
  return rows.joined(separator: "\n") + "\n"
}()
