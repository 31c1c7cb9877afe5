/// How well a set of samples reproduces a `Mixture2D` (see `Mixture2D.evaluate(points:)` for
/// the rules).
///
/// Invariants: `modeCounts.reduce(0, +) == highQualityCount <= pointCount`, and
/// `modesCovered` is the number of `modeCounts` entries `>= coverageThreshold`.
public struct MixtureReport: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Number of samples evaluated.
  public let pointCount: Int
  /// Samples within 3·std of their nearest mode.
  public let highQualityCount: Int
  /// High-quality samples registered to each mode, in `Mixture2D.modes` order.
  public let modeCounts: [Int]
  /// High-quality samples a mode needed to count as covered.
  public let coverageThreshold: Int
  /// Modes with at least `coverageThreshold` high-quality samples.
  public let modesCovered: Int
  /// KL(high-quality mode histogram ‖ uniform), in nats; nil when no sample is high quality.
  public let klToUniform: Double?

  init(
    pointCount: Int, highQualityCount: Int, modeCounts: [Int], coverageThreshold: Int,
    modesCovered: Int, klToUniform: Double?
  ) {
    self.pointCount = pointCount
    self.highQualityCount = highQualityCount
    self.modeCounts = modeCounts
    self.coverageThreshold = coverageThreshold
    self.modesCovered = modesCovered
    self.klToUniform = klToUniform
  }

  /// Number of modes of the mixture.
  public var modeCount: Int { modeCounts.count }

  /// `highQualityCount / pointCount`, or 0 when there are no points.
  public var highQualityFraction: Double {
    pointCount == 0 ? 0 : Double(highQualityCount) / Double(pointCount)
  }

  /// One line, e.g. "8/8 modes covered, 98.9% high quality, KL 0.0012 (2500 samples)".
  public var description: String {
    let percent = (highQualityFraction * 1000).rounded() / 10
    let kl = klToUniform.map { String(Float($0)) } ?? "n/a"
    return "\(modesCovered)/\(modeCount) modes covered, \(percent)% high quality, KL \(kl) (\(pointCount) samples)"
  }
}
