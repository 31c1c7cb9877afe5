import GancRuntime

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// TimeGAN's synthetic sine data set (Yoon, Jarrett & van der Schaar, 2019): independent
/// sines of random frequency and phase, one per feature.
public enum Sines {
  /// `count` sequences of `length` steps and `features` features, one row per sequence.
  ///
  /// For each sequence, and within it each feature in turn, the frequency f and then the
  /// phase p are drawn uniformly from [0, 0.1) (two `nextUniform()` draws); the feature's
  /// values are x_t = (sin(f · t + p) + 1) / 2 for t in `0..<length`, computed in `Double` and
  /// stored as `Float`, so every value is in [0, 1]. Rows are time-major: column
  /// `t * features + k` holds feature k at step t, so a row reshapes to [`length`, `features`].
  /// Columns are unnamed. The result is a fixed function of `rng`'s state (the same seed
  /// gives the same table), and `rng` advances by `2 * count * features` draws.
  ///
  /// `count` must be ≥ 0 and `length`, `features` ≥ 1 (callers validate user input first).
  public static func generate(
    count: Int = 10000, length: Int = 24, features: Int = 5, rng: inout RandomStream
  ) -> Table {
    precondition(count >= 0 && length >= 1 && features >= 1, "Sines needs count ≥ 0, length ≥ 1, features ≥ 1")
    let width = length * features
    var values = [Float](repeating: 0, count: count * width)
    for s in 0..<count {
      for k in 0..<features {
        let frequency = Double(rng.nextUniform()) * 0.1
        let phase = Double(rng.nextUniform()) * 0.1
        for t in 0..<length {
          values[s * width + t * features + k] = Float((sin(frequency * Double(t) + phase) + 1) / 2)
        }
      }
    }
    return Table(rowCount: count, columnCount: width, values: values)
  }
}
