import Foundation
import GancData
import GancRuntime
import Testing

@Suite struct Mixture2DTests {
  @Test func ringModesAreEvenlySpacedOnTheCircle() {
    let ring = Mixture2D.ring8(radius: 2, std: 0.02)
    #expect(ring.modes.count == 8)
    #expect(ring.std == 0.02)
    for (k, (x, y)) in ring.modes.enumerated() {
      let angle = 2 * Float.pi * Float(k) / 8
      #expect(abs(x - 2 * cos(angle)) < 1e-6 && abs(y - 2 * sin(angle)) < 1e-6)
    }
    #expect(ring.modes[2] == (0, 2))  // exactly on the axis
  }

  @Test func gridModesCoverTheLattice() {
    let grid = Mixture2D.grid25()
    #expect(grid.std == 0.05)
    #expect(grid.modes.count == 25)
    let axis: Set<Float> = [-4, -2, 0, 2, 4]
    #expect(Set(grid.modes.map { "\($0.0),\($0.1)" }).count == 25)
    #expect(grid.modes.allSatisfy { axis.contains($0.0) && axis.contains($0.1) })
  }

  /// The distance from a sample to its mode is Rayleigh(σ) distributed: mean σ·√(π/2) ≈
  /// 1.2533σ, standard deviation σ·√((4 − π)/2) ≈ 0.6551σ. With n = 20000 samples the standard
  /// error of the mean distance is 0.6551σ/√n ≈ 0.0046σ (0.37% of the mean), so a 2% tolerance
  /// is over 5 standard errors: a correct sampler essentially never fails it, while a wrong
  /// std (or per-axis variance) is off by far more. The nearest mode is the sample's own mode
  /// except with negligible probability: modes are ≥ 38σ apart (ring) or 40σ (grid).
  @Test(arguments: ["ring8", "grid25"])
  func meanDistanceToNearestModeMatchesRayleigh(name: String) {
    let mixture = name == "ring8" ? Mixture2D.ring8() : Mixture2D.grid25()
    var rng = RandomStream(seed: 42, name: "mixture-\(name)")
    let n = 20_000
    let points = mixture.sample(count: n, rng: &rng)
    #expect(points.count == 2 * n)
    var total = 0.0
    var counts = [Int](repeating: 0, count: mixture.modes.count)
    for i in 0..<n {
      let (k, d) = mixture.nearestMode(x: points[2 * i], y: points[2 * i + 1])
      total += Double(d)
      counts[k] += 1
    }
    let expected = Double(mixture.std) * (Double.pi / 2).squareRoot()
    let mean = total / Double(n)
    #expect(abs(mean - expected) / expected < 0.02, "mean distance \(mean), expected \(expected)")

    // Modes are chosen uniformly: each count is Binomial(n, 1/K); allow 5 standard deviations.
    let K = Double(mixture.modes.count)
    let sd = (Double(n) / K * (1 - 1 / K)).squareRoot()
    for c in counts { #expect(abs(Double(c) - Double(n) / K) < 5 * sd, "mode counts \(counts)") }
  }

  @Test func samplingIsDeterministicAndWritesOnlyItsRange() {
    let ring = Mixture2D.ring8()
    var a = RandomStream(seed: 1, name: "s")
    var b = RandomStream(seed: 1, name: "s")
    var buffer = [Float](repeating: 99, count: 2 * 10 + 3)
    buffer.withUnsafeMutableBufferPointer { ring.sample(count: 10, into: $0, rng: &a) }
    #expect(Array(buffer[0..<20]) == ring.sample(count: 10, rng: &b))
    #expect(Array(buffer[20...]) == [99, 99, 99])
    #expect(a.counter == b.counter && a.counter > 0)
    #expect(ring.sample(count: 10, rng: &a) != Array(buffer[0..<20]))  // the stream moved on
  }

  @Test func coverageThresholdScalesPacGANsRule() {
    #expect(Mixture2D.coverageThreshold(pointCount: 2500) == 20)
    #expect(Mixture2D.coverageThreshold(pointCount: 25_000) == 200)
    #expect(Mixture2D.coverageThreshold(pointCount: 1000) == 8)
    #expect(Mixture2D.coverageThreshold(pointCount: 100) == 1)
    #expect(Mixture2D.coverageThreshold(pointCount: 0) == 1)
  }

  @Test(arguments: ["ring8", "grid25"])
  func trueMixtureScoresPerfectly(name: String) throws {
    let mixture = name == "ring8" ? Mixture2D.ring8() : Mixture2D.grid25()
    var rng = RandomStream(seed: 3, name: "evaluate-\(name)")
    let report = mixture.evaluate(points: mixture.sample(count: 2500, rng: &rng))
    #expect(report.pointCount == 2500)
    #expect(report.modeCount == mixture.modes.count)
    #expect(report.modesCovered == mixture.modes.count, "\(report)")
    // P(R ≤ 3σ) = 1 − e^(−9/2) ≈ 98.9% for a Rayleigh distance; 97% is ~9 binomial SDs below.
    #expect(report.highQualityFraction > 0.97, "\(report)")
    #expect(report.modeCounts.reduce(0, +) == report.highQualityCount)
    #expect(report.coverageThreshold == 20)
    // A multinomial histogram's KL to uniform is ≈ (K − 1)/(2n), about 0.005 for the grid.
    #expect(try #require(report.klToUniform) < 0.03, "\(report)")
  }

  @Test func collapsedSampleCoversOneMode() throws {
    let ring = Mixture2D.ring8()
    var rng = RandomStream(seed: 4, name: "collapse")
    var points = [Float](repeating: 0, count: 2 * 2500)
    points.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 0, std: 0.01) }
    for i in 0..<2500 { points[2 * i + 1] += 1 }  // everything at the mode (0, 1)
    let report = ring.evaluate(points: points)
    #expect(report.modesCovered == 1)
    #expect(report.modeCounts[2] == report.highQualityCount)
    #expect(report.highQualityFraction > 0.97)
    #expect(abs(try #require(report.klToUniform) - log(8)) < 1e-9)
  }

  @Test func garbageScoresNothing() {
    let ring = Mixture2D.ring8()
    let report = ring.evaluate(points: [0, 0, 0.5, 0.5, .nan, 1, .infinity, 0, 1, .nan])
    #expect(report.pointCount == 5)
    #expect(report.highQualityCount == 0)
    #expect(report.modesCovered == 0)
    #expect(report.klToUniform == nil)
    #expect(report.description == "0/8 modes covered, 0.0% high quality, KL n/a (5 samples)")
    #expect(ring.evaluate(points: []).pointCount == 0)
  }

  @Test func highQualityBoundaryIsThreeStd() {
    let ring = Mixture2D.ring8(radius: 1, std: 0.1)
    // 0.29 from mode (1, 0) is inside 3σ = 0.3; 0.31 is outside.
    let report = ring.evaluate(points: [1.29, 0, 1.31, 0])
    #expect(report.highQualityCount == 1)
    #expect(report.modeCounts[0] == 1)
  }

  @Test func reportIsCodable() throws {
    let ring = Mixture2D.ring8()
    var rng = RandomStream(seed: 5, name: "codable")
    let report = ring.evaluate(points: ring.sample(count: 100, rng: &rng))
    let decoded = try JSONDecoder().decode(MixtureReport.self, from: JSONEncoder().encode(report))
    #expect(decoded == report)
  }
}
