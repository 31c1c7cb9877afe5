import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): tiny and seedable, so every test input is
/// reproducible and a failing random case can be replayed from its seed.
public struct SplitMix64: RandomNumberGenerator {
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The repository's root, found from this file's path (`Tests/GancTestSupport/`).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()  // GancTestSupport
  .deletingLastPathComponent()  // Tests
  .deletingLastPathComponent()

/// Every `models/*.gan` file of the repository, sorted by name.
public func modelFiles() throws -> [URL] {
  let dir = repositoryRoot.appendingPathComponent("models")
  return try FileManager.default.contentsOfDirectory(atPath: dir.path)
    .filter { $0.hasSuffix(".gan") }
    .sorted()
    .map { dir.appendingPathComponent($0) }
}
