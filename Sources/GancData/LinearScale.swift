/// The affine map taking `from.lowerBound` to `to.lowerBound` and `from.upperBound` to
/// `to.upperBound`, e.g. pixel values 0...16 to a tanh generator's −1...1.
///
/// Both ranges must have positive width so the map is invertible; `inverse` takes generated
/// values back to the data's units. Values outside `from` are extrapolated, not clamped:
/// clamping is a rendering decision (see `ImageGrid`), not a property of the scale.
public struct LinearScale: Sendable, Hashable, Codable {
  /// The source interval; its bounds map to `to`'s bounds.
  public let from: ClosedRange<Float>
  /// The target interval.
  public let to: ClosedRange<Float>
  /// `d(to) / d(from)`.
  public let slope: Float

  /// Traps on empty-width or non-finite ranges (a programming error here; decoding throws instead).
  public init(from: ClosedRange<Float>, to: ClosedRange<Float>) {
    precondition(
      from.upperBound > from.lowerBound && to.upperBound > to.lowerBound,
      "LinearScale needs ranges of positive width, got \(from) → \(to)")
    precondition(
      from.lowerBound.isFinite && from.upperBound.isFinite
        && to.lowerBound.isFinite && to.upperBound.isFinite, "LinearScale bounds must be finite")
    self.from = from
    self.to = to
    self.slope = (to.upperBound - to.lowerBound) / (from.upperBound - from.lowerBound)
  }

  /// The image of `x`. Anchored at the lower bounds so `from.lowerBound` maps exactly.
  @inline(__always)
  public func callAsFunction(_ x: Float) -> Float {
    (x - from.lowerBound) * slope + to.lowerBound
  }

  /// The map from `to` back to `from`.
  public var inverse: LinearScale { LinearScale(from: to, to: from) }

  private enum CodingKeys: String, CodingKey { case from, to }

  /// Decodes `from` and `to` and recomputes the slope, rejecting degenerate ranges (a
  /// checkpoint is input, so a bad one is an error rather than a trap).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let from = try container.decode(ClosedRange<Float>.self, forKey: .from)
    let to = try container.decode(ClosedRange<Float>.self, forKey: .to)
    guard from.upperBound > from.lowerBound, to.upperBound > to.lowerBound,
      from.lowerBound.isFinite, from.upperBound.isFinite, to.lowerBound.isFinite, to.upperBound.isFinite
    else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "LinearScale needs finite ranges of positive width, got \(from) → \(to)"))
    }
    self.init(from: from, to: to)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(from, forKey: .from)
    try container.encode(to, forKey: .to)
  }

  /// Applies the scale to every element of `buffer` in place.
  public func apply(_ buffer: UnsafeMutableBufferPointer<Float>) {
    for i in buffer.indices { buffer[i] = self(buffer[i]) }
  }
}
