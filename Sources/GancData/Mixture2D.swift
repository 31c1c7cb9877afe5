import GancRuntime

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A mixture of equally weighted isotropic 2-D Gaussians with a common standard deviation:
/// the synthetic targets on which GAN papers measure mode collapse.
///
/// `ring8()` and `grid25()` are the two benchmarks of PacGAN (Lin et al., 2018) and VEEGAN
/// (Srivastava et al., 2017); `evaluate(points:)` scores generated samples the way those
/// papers do, so numbers are comparable.
public struct Mixture2D: Sendable {
  /// The component means (x, y).
  public let modes: [(Float, Float)]
  /// The standard deviation of every component along each axis.
  public let std: Float

  /// A mixture of the given modes (at least one) with a positive, finite `std`.
  public init(modes: [(Float, Float)], std: Float) {
    precondition(!modes.isEmpty, "a mixture needs at least one mode")
    precondition(std > 0 && std.isFinite, "mixture std must be positive and finite, got \(std)")
    self.modes = modes
    self.std = std
  }

  /// Eight Gaussians at angles 2πk/8 on the circle of radius `radius` (PacGAN's 2D-ring).
  public static func ring8(radius: Float = 1, std: Float = 0.01) -> Mixture2D {
    // Double.pi is not exactly π, so cos(π/2) comes out as 6e-17; snap such residues to the
    // exact zeros the protocol means, so the axis modes sit exactly on the axes.
    func exact(_ v: Double) -> Float { abs(v) < 1e-12 ? 0 : Float(v) }
    let modes = (0..<8).map { k -> (Float, Float) in
      let angle = 2 * Double.pi * Double(k) / 8
      return (Float(radius) * exact(cos(angle)), Float(radius) * exact(sin(angle)))
    }
    return Mixture2D(modes: modes, std: std)
  }

  /// Twenty-five Gaussians at {−4, −2, 0, 2, 4}² (PacGAN's 2D-grid), row by row from the
  /// bottom left.
  public static func grid25(std: Float = 0.05) -> Mixture2D {
    let axis: [Float] = [-4, -2, 0, 2, 4]
    return Mixture2D(modes: axis.flatMap { y in axis.map { x in (x, y) } }, std: std)
  }

  /// The radius within which a sample counts as high quality: 3·std, as in PacGAN.
  public var highQualityRadius: Float { 3 * std }

  /// Writes `count` points as interleaved x, y pairs to `buffer[0 ..< 2 * count]`.
  ///
  /// Each point picks its mode uniformly. The draws are a fixed function of `rng`'s state (all
  /// the noise first, then one mode index per point), so a seed reproduces the data.
  public func sample(count: Int, into buffer: UnsafeMutableBufferPointer<Float>, rng: inout RandomStream) {
    precondition(count >= 0 && buffer.count >= 2 * count, "buffer of \(buffer.count) for \(count) points")
    guard count > 0 else { return }
    let points = UnsafeMutableBufferPointer(rebasing: buffer[0..<2 * count])
    rng.fillNormal(points, mean: 0, std: std)
    for i in 0..<count {
      let (x, y) = modes[rng.nextInt(below: modes.count)]
      points[2 * i] += x
      points[2 * i + 1] += y
    }
  }

  /// `count` points as interleaved x, y pairs (see `sample(count:into:rng:)`).
  public func sample(count: Int, rng: inout RandomStream) -> [Float] {
    var out = [Float](repeating: 0, count: 2 * count)
    out.withUnsafeMutableBufferPointer { sample(count: count, into: $0, rng: &rng) }
    return out
  }

  /// The mode nearest to (x, y) and the Euclidean distance to it; ties go to the lower index.
  /// A non-finite point has distance `.nan` (and index 0).
  public func nearestMode(x: Float, y: Float) -> (index: Int, distance: Float) {
    guard x.isFinite && y.isFinite else { return (0, .nan) }
    var best = 0
    var bestSquared = Float.infinity
    for (k, (mx, my)) in modes.enumerated() {
      let dx = x - mx
      let dy = y - my
      let d = dx * dx + dy * dy
      if d < bestSquared {
        bestSquared = d
        best = k
      }
    }
    return (best, bestSquared.squareRoot())
  }

  /// The minimum number of high-quality samples a mode needs to count as covered, for
  /// `pointCount` samples: PacGAN's 20 per 2500 samples, scaled linearly and rounded to the
  /// nearest integer, but at least 1 (so tiny evaluations still require a sample at the mode).
  public static func coverageThreshold(pointCount: Int) -> Int {
    max(1, (pointCount * 20 + 1250) / 2500)
  }

  /// Scores generated `points` (interleaved x, y pairs; the count must be even).
  ///
  /// The rules, following PacGAN (Lin et al., 2018) and VEEGAN (Srivastava et al., 2017):
  /// - A sample is *high quality* when it lies within `3 · std` of its nearest mode (Euclidean
  ///   distance); it is then registered to that mode. Non-finite samples (a diverged
  ///   generator) are never high quality.
  /// - A mode is *covered* when at least `coverageThreshold(pointCount:)` high-quality samples
  ///   are registered to it: 20 for PacGAN's 2500 samples, in proportion otherwise.
  /// - `klToUniform` is KL(p ‖ u), where p is the histogram of high-quality samples over the
  ///   modes and u the uniform distribution the true mixture has: 0 for perfect balance,
  ///   log(modes) when all high-quality samples sit in one mode, nil when there are none.
  public func evaluate(points: [Float]) -> MixtureReport {
    precondition(points.count % 2 == 0, "points must be x, y pairs, got \(points.count) values")
    let pointCount = points.count / 2
    let radius = highQualityRadius
    var counts = [Int](repeating: 0, count: modes.count)
    for i in 0..<pointCount {
      let (k, d) = nearestMode(x: points[2 * i], y: points[2 * i + 1])
      if d <= radius { counts[k] += 1 }  // false for NaN, so diverged samples drop out here
    }
    let highQuality = counts.reduce(0, +)
    let threshold = Self.coverageThreshold(pointCount: pointCount)
    var kl: Double? = nil
    if highQuality > 0 {
      var sum = 0.0
      for c in counts where c > 0 {
        let p = Double(c) / Double(highQuality)
        sum += p * log(p * Double(modes.count))
      }
      kl = max(0, sum)  // rounding can leave −1e-17 for a perfectly balanced histogram
    }
    return MixtureReport(
      pointCount: pointCount, highQualityCount: highQuality, modeCounts: counts,
      coverageThreshold: threshold, modesCovered: counts.filter { $0 >= threshold }.count,
      klToUniform: kl)
  }
}
