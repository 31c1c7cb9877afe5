import GancRuntime

/// A small moving-MNIST-like video set: 8 × 8 digits bouncing around a canvas, for models that
/// predict the next frame.
///
/// Each example is `frames + 1` frames of `canvas` × `canvas` pixels: the `frames` input
/// frames, then the "next" frame to predict. One digit (a row of the digits table) starts at
/// a random position and moves with a constant random velocity, bouncing off the edges.
public enum MovingDigits {
  /// The side of a digit image in pixels.
  public static let digitSize = 8

  /// The smallest canvas: a digit needs room to move 2 pixels and bounce with one reflection.
  public static let minimumCanvas = digitSize + 2

  /// A pixel position or a velocity (pixels per frame); x grows rightward, y downward.
  public struct Point: Sendable, Hashable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
      self.x = x
      self.y = y
    }
  }

  /// How the digit of one example moves.
  ///
  /// Invariants: `positions.count` is the number of frames (`frames + 1`); every position is in
  /// `0...canvas - 8` on both axes; between frames each coordinate changes by the current
  /// velocity component, or, if that would leave the range, is reflected at the edge and the
  /// component changes sign (see `positions(start:velocity:frames:canvas:)`).
  public struct Motion: Sendable, Hashable {
    /// The row of the digits table drawn.
    public let digit: Int
    /// The velocity at the first frame: each component in −2…2, not both 0.
    public let velocity: Point
    /// The digit's top-left corner in each frame, the next frame last.
    public let positions: [Point]
  }

  /// `count` examples, one row each; see `generateWithMotions` for the rules.
  public static func generate(
    count: Int, frames: Int, canvas: Int, digits: Table, rng: inout RandomStream
  ) throws(DataError) -> Table {
    try generateWithMotions(count: count, frames: frames, canvas: canvas, digits: digits, rng: &rng).table
  }

  /// `count` examples, one row each, and how each digit moved.
  ///
  /// Layout: a row holds `(frames + 1) * canvas * canvas` values, frame-major and each frame
  /// row-major: pixel (row r, column c) of frame f is column `(f * canvas + r) * canvas + c`,
  /// frame 0 first and the next frame (f = `frames`) last, so a row reshapes to
  /// [`frames + 1`, `canvas`, `canvas`] and its last `canvas * canvas` values are the target.
  /// Pixels are `value / 8 − 1`, so the background is −1 and a digit's 0…16 maps to −1…1.
  ///
  /// `digits` holds 8 × 8 images, row-major in its first 64 columns with values 0…16 (like
  /// `digits.csv`); further columns, such as a label, are ignored. Per example the draws are,
  /// in order: the digit row (`nextInt(below: digits.rowCount)`), the start x and y
  /// (`nextInt(below: canvas - 7)` each), and the velocity (`nextInt(below: 24)` over the 24
  /// pairs in −2…2 × −2…2 other than (0, 0)). So the same seed gives the same data.
  ///
  /// Errors: `count` < 0, `frames` < 1, `canvas` < `minimumCanvas`, a digits table with fewer
  /// than 64 columns or no rows, or a digit value outside 0…16.
  public static func generateWithMotions(
    count: Int, frames: Int, canvas: Int, digits: Table, rng: inout RandomStream
  ) throws(DataError) -> (table: Table, motions: [Motion]) {
    guard count >= 0 else { throw DataError("moving digits need a count of at least 0, got \(count)") }
    guard frames >= 1 else { throw DataError("moving digits need at least 1 input frame, got \(frames)") }
    guard canvas >= minimumCanvas else {
      throw DataError("moving digits need a canvas of at least \(minimumCanvas) pixels, got \(canvas)")
    }
    let pixels = digitSize * digitSize
    guard digits.columnCount >= pixels else {
      throw DataError("moving digits need 8 × 8 digit images (64 columns), but the table has \(digits.columnCount)")
    }
    guard digits.rowCount > 0 else { throw DataError("moving digits need at least one digit, but the table is empty") }
    for r in 0..<digits.rowCount {
      for c in 0..<pixels where !(0...16).contains(digits[r, c]) {
        throw DataError("digit row \(r + 1), column \(c + 1): \(digits[r, c]) is outside the pixel range 0…16")
      }
    }

    let velocities = (-2...2).flatMap { vy in (-2...2).map { vx in Point(x: vx, y: vy) } }.filter {
      $0 != Point(x: 0, y: 0)
    }
    let frameSize = canvas * canvas
    let total = frames + 1
    let width = total * frameSize
    var values = [Float](repeating: -1, count: count * width)
    var motions: [Motion] = []
    motions.reserveCapacity(count)
    let span = canvas - digitSize + 1
    for e in 0..<count {
      let digit = rng.nextInt(below: digits.rowCount)
      let start = Point(x: rng.nextInt(below: span), y: rng.nextInt(below: span))
      let velocity = velocities[rng.nextInt(below: velocities.count)]
      let positions = positions(start: start, velocity: velocity, frames: total, canvas: canvas)
      for (f, p) in positions.enumerated() {
        let base = e * width + f * frameSize
        for r in 0..<digitSize {
          for c in 0..<digitSize {
            values[base + (p.y + r) * canvas + p.x + c] = digits[digit, r * digitSize + c] / 8 - 1
          }
        }
      }
      motions.append(Motion(digit: digit, velocity: velocity, positions: positions))
    }
    return (Table(rowCount: count, columnCount: width, values: values), motions)
  }

  /// The top-left corners of a digit over `frames` frames, starting at `start` with
  /// `velocity`: each step adds the velocity per axis, and a coordinate that would leave
  /// `0...canvas - 8` is reflected at the edge (−1 → 1, M + 2 → M − 2 for M = canvas − 8) and
  /// that velocity component changes sign. `start` must be in range, the velocity components
  /// in −2…2, and `canvas` at least `minimumCanvas`.
  public static func positions(start: Point, velocity: Point, frames: Int, canvas: Int) -> [Point] {
    let limit = canvas - digitSize
    precondition(limit >= 2, "canvas \(canvas) below the minimum \(minimumCanvas)")
    precondition((0...limit).contains(start.x) && (0...limit).contains(start.y), "start \(start) off the canvas")
    precondition(abs(velocity.x) <= 2 && abs(velocity.y) <= 2, "velocity \(velocity) beyond ±2")
    func step(_ p: inout Int, _ v: inout Int) {
      p += v
      if p < 0 {
        p = -p
        v = -v
      } else if p > limit {
        p = 2 * limit - p
        v = -v
      }
    }
    var p = start
    var v = velocity
    var out = [p]
    for _ in 1..<max(frames, 1) {
      step(&p.x, &v.x)
      step(&p.y, &v.y)
      out.append(p)
    }
    return Array(out.prefix(frames))
  }
}
