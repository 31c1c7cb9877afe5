import Foundation
import GancData
import GancRuntime
import Testing

@Suite struct NearestNeighboursTests {
  /// Two well-separated clusters in 2-D with one mislabelled point in cluster 0.
  let train = Table(
    rowCount: 7, columnCount: 2,
    values: [
      0, 0, 0.1, 0, 0, 0.1, 0.1, 0.1,  // label 0, 0, 0, 1 (the last is a mislabelled outlier)
      5, 5, 5.1, 5, 5, 5.2,  // label 1
    ])
  let labels = [0, 0, 0, 1, 1, 1, 1]

  @Test(arguments: [1, 3, 5])
  func separableClusters(k: Int) {
    let knn = NearestNeighbours(train: train, labels: labels, k: k)
    #expect(knn.classify([5.05, 5.05]) == 1)
    #expect(knn.classify([-1, 0.5]) == 0)
    let queries = Table(rowCount: 3, columnCount: 2, values: [0.02, 0.01, 4.9, 5.1, 10, 10])
    #expect(knn.classify(queries) == [0, 1, 1])
  }

  @Test func majorityOutvotesTheNearestOutlier() {
    // (0.1, 0.1) is labelled 1; the query sits on it, but its next two neighbours say 0.
    #expect(NearestNeighbours(train: train, labels: labels, k: 1).classify([0.1, 0.1]) == 1)
    #expect(NearestNeighbours(train: train, labels: labels, k: 3).classify([0.1, 0.1]) == 0)
  }

  @Test func tiesGoToTheNearest() {
    let line = Table(rowCount: 4, columnCount: 1, values: [0, 1, 3, 10])
    let knn = NearestNeighbours(train: line, labels: [7, 8, 7, 8], k: 2)
    #expect(knn.classify([0.9]) == 8)  // neighbours 1 (label 8) and 0 (label 7): one vote each
    #expect(knn.classify([0.2]) == 7)
    let four = NearestNeighbours(train: line, labels: [7, 8, 7, 8], k: 4)
    #expect(four.classify([9]) == 8)  // 2–2 tie, 10 is nearest
    // Equal distances: the earlier training row wins, so the answer is stable.
    let twins = NearestNeighbours(train: Table(rowCount: 2, columnCount: 1, values: [-1, 1]), labels: [3, 4], k: 1)
    #expect(twins.classify([0]) == 3)
  }

  @Test func scoreCountsPerClass() {
    let score = ClassificationScore(predicted: [0, 1, 1, 2, 2, 2], expected: [0, 1, 2, 2, 2, 0], classCount: 4)
    #expect(score.total == 6)
    #expect(score.correct == 4)
    #expect(abs(score.accuracy - 4.0 / 6.0) < 1e-12)
    #expect(score.expectedCounts == [2, 1, 3, 0])
    #expect(score.predictedCounts == [1, 2, 3, 0])
    #expect(score.correctCounts == [1, 1, 2, 0])
    #expect(score.classAccuracy == [0.5, 1, 2.0 / 3.0, 0])
    #expect(score.confusion[0] == [1, 0, 1, 0])
    #expect(score.description == "accuracy 66.7% (4/6)")
    #expect(ClassificationScore(predicted: [], expected: [], classCount: 2).accuracy == 0)
  }

  /// The real check: k = 3 trained on a random 80% of the UCI digits labels the other 20% with
  /// more than 95% accuracy (published kNN results on this set are about 98%).
  @Test func classifiesRealDigits() throws {
    let digits = try loadDigits()
    var rng = RandomStream(seed: 2024, name: "digits-split")
    let order = rng.permutation(digits.rowCount)
    let cut = digits.rowCount * 4 / 5
    let trainRows = Array(order[..<cut])
    let testRows = Array(order[cut...])
    let labels = digits.column(64).map { Int($0) }
    let knn = NearestNeighbours(
      train: digits.selecting(rows: trainRows, columns: 0..<64),
      labels: trainRows.map { labels[$0] }, k: 3)
    let predicted = knn.classify(digits.selecting(rows: testRows, columns: 0..<64))
    let score = ClassificationScore(predicted: predicted, expected: testRows.map { labels[$0] }, classCount: 10)
    #expect(score.total == 360)
    #expect(score.accuracy > 0.95, "\(score)")
  }
}
