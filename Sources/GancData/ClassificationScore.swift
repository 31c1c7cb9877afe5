/// How well predicted labels match expected ones, overall and per class.
///
/// Classes are `0 ..< classCount`. Invariants: `confusion[e][p]` counts samples expected to be
/// `e` and predicted `p`; its total is `total`, its diagonal sums to `correct`.
public struct ClassificationScore: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Labels are `0 ..< classCount`.
  public let classCount: Int
  /// Samples scored.
  public let total: Int
  /// Samples whose predicted label equals the expected one.
  public let correct: Int
  /// `confusion[expected][predicted]`.
  public let confusion: [[Int]]

  /// Scores `predicted` against `expected` (same length, every label in `0 ..< classCount`).
  public init(predicted: [Int], expected: [Int], classCount: Int) {
    precondition(predicted.count == expected.count, "\(predicted.count) predictions for \(expected.count) labels")
    precondition(classCount > 0, "classCount must be positive")
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    for (p, e) in zip(predicted, expected) {
      precondition(
        (0..<classCount).contains(p) && (0..<classCount).contains(e),
        "label outside 0..<\(classCount): predicted \(p), expected \(e)")
      confusion[e][p] += 1
    }
    self.classCount = classCount
    self.total = predicted.count
    self.correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
    self.confusion = confusion
  }

  /// `correct / total`, or 0 when there are no samples.
  public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

  /// How many samples were expected to be each class.
  public var expectedCounts: [Int] { confusion.map { $0.reduce(0, +) } }

  /// How many samples were predicted as each class: for an unconditional generator, the
  /// class histogram of its output (a collapsed generator shows as a spike).
  public var predictedCounts: [Int] {
    (0..<classCount).map { p in confusion.reduce(0) { $0 + $1[p] } }
  }

  /// Correct predictions per expected class.
  public var correctCounts: [Int] { (0..<classCount).map { confusion[$0][$0] } }

  /// Accuracy per expected class (0 for a class with no samples).
  public var classAccuracy: [Double] {
    zip(correctCounts, expectedCounts).map { $1 == 0 ? 0 : Double($0) / Double($1) }
  }

  /// e.g. "accuracy 97.5% (351/360)".
  public var description: String {
    "accuracy \((accuracy * 1000).rounded() / 10)% (\(correct)/\(total))"
  }
}
