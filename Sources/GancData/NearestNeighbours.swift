/// A k-nearest-neighbour classifier, used to score generated samples (e.g. "which digit does
/// this generated image look like?") against real labelled data.
///
/// Distances are Euclidean over all feature columns. The predicted label is the majority among
/// the k nearest training rows; a tie between labels goes to the tied label whose closest
/// member is nearest, and equal distances are ordered by training row, so results are
/// deterministic. Brute force, O(rows · features) per query, which is ample for the data
/// sets ganc scores against (a few thousand rows).
public struct NearestNeighbours: Sendable {
  /// The training features, one row per example.
  public let train: Table
  /// The label of each training row.
  public let labels: [Int]
  /// Neighbours that vote.
  public let k: Int

  /// `labels[i]` is the label of row `i` of `train`; `k` must be between 1 and the row count.
  public init(train: Table, labels: [Int], k: Int) {
    precondition(train.rowCount > 0, "kNN needs at least one training row")
    precondition(labels.count == train.rowCount, "\(labels.count) labels for \(train.rowCount) rows")
    precondition(k >= 1 && k <= train.rowCount, "k = \(k) must be in 1...\(train.rowCount)")
    self.train = train
    self.labels = labels
    self.k = k
  }

  /// The predicted label of one sample with `train.columnCount` features.
  public func classify(_ features: [Float]) -> Int {
    precondition(
      features.count == train.columnCount, "\(features.count) features for a \(train.columnCount)-column table")
    return features.withUnsafeBufferPointer { classify($0) }
  }

  /// The predicted label of each row of `samples` (same columns as `train`).
  public func classify(_ samples: Table) -> [Int] {
    precondition(
      samples.columnCount == train.columnCount,
      "\(samples.columnCount) features for a \(train.columnCount)-column table")
    let width = samples.columnCount
    return samples.values.withUnsafeBufferPointer { all in
      (0..<samples.rowCount).map { classify(UnsafeBufferPointer(rebasing: all[$0 * width..<($0 + 1) * width])) }
    }
  }

  private func classify(_ query: UnsafeBufferPointer<Float>) -> Int {
    let width = train.columnCount
    // The k best so far as (squared distance, row), kept sorted; insertion is cheap for small k.
    var best: [(Float, Int)] = []
    best.reserveCapacity(k + 1)
    train.values.withUnsafeBufferPointer { rows in
      for r in 0..<train.rowCount {
        var d: Float = 0
        let base = r * width
        for c in 0..<width {
          let diff = rows[base + c] - query[c]
          d += diff * diff
        }
        if best.count == k, !(d < best[k - 1].0) { continue }  // ties keep the earlier row
        var slot = best.count
        while slot > 0, d < best[slot - 1].0 { slot -= 1 }
        best.insert((d, r), at: slot)
        if best.count > k { best.removeLast() }
      }
    }
    var votes: [Int: Int] = [:]
    for (_, r) in best { votes[labels[r], default: 0] += 1 }
    let top = votes.values.max()!
    // `best` is nearest first, so the first tied label met is the one with the nearest member.
    return best.first { votes[labels[$0.1]] == top }.map { labels[$0.1] }!
  }
}
