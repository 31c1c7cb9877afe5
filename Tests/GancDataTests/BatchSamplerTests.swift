import Foundation
import GancData
import GancRuntime
import Testing

@Suite struct BatchSamplerTests {
  /// Concatenating batches gives, epoch after epoch, a permutation of all rows: every row
  /// exactly once per epoch, including batches that straddle an epoch boundary.
  @Test(arguments: [(10, 3), (10, 5), (10, 10), (7, 16), (1, 1), (1, 4), (100, 7)])
  func everyRowOncePerEpoch(rowCount: Int, batchSize: Int) {
    var sampler = BatchSampler(rowCount: rowCount, batchSize: batchSize, rng: RandomStream(seed: 9, name: "batches"))
    let epochs = 4
    var stream: [Int] = []
    while stream.count < epochs * rowCount {
      let batch = sampler.next()
      #expect(batch.count == batchSize)
      stream += batch
    }
    for e in 0..<epochs {
      #expect(stream[e * rowCount..<(e + 1) * rowCount].sorted() == Array(0..<rowCount))
    }
    #expect(sampler.epoch == stream.count / rowCount)
    #expect(sampler.position == stream.count % rowCount)
  }

  @Test func epochsAreShuffledDifferently() {
    var sampler = BatchSampler(rowCount: 50, batchSize: 50, rng: RandomStream(seed: 1, name: "b"))
    let first = sampler.next()
    let second = sampler.next()
    #expect(first != second)
    #expect(first != Array(0..<50))
    #expect(sampler.epoch == 2 && sampler.position == 0)
  }

  @Test func deterministicForASeed() {
    func run(_ seed: UInt64) -> [[Int]] {
      var sampler = BatchSampler(rowCount: 37, batchSize: 8, rng: RandomStream(seed: seed, name: "batches"))
      return (0..<20).map { _ in sampler.next() }
    }
    #expect(run(5) == run(5))
    #expect(run(5) != run(6))
  }

  @Test(arguments: [0, 1, 4, 5, 13])
  func restoresFromACheckpoint(batchesBeforeSave: Int) throws {
    let rng = RandomStream(seed: 11, name: "batches")
    var original = BatchSampler(rowCount: 23, batchSize: 5, rng: rng)
    for _ in 0..<batchesBeforeSave { _ = original.next() }
    let saved = try JSONEncoder().encode(original.state)
    let state = try JSONDecoder().decode(BatchSampler.State.self, from: saved)
    #expect(state == original.state)

    var resumed = try BatchSampler(rowCount: 23, batchSize: 5, rng: rng, state: state)
    #expect(resumed.epoch == original.epoch && resumed.position == original.position)
    for _ in 0..<12 { #expect(resumed.next() == original.next()) }
    #expect(resumed.state == original.state)
  }

  @Test func rejectsAMismatchedCheckpoint() {
    let rng = RandomStream(seed: 1, name: "b")
    #expect(throws: DataError("the saved batch sampler was for 10 rows but the data has 12")) {
      try BatchSampler(
        rowCount: 12, batchSize: 2, rng: rng, state: .init(epoch: 0, position: 0, counter: 0, rowCount: 10))
    }
    #expect(throws: DataError.self) {
      try BatchSampler(
        rowCount: 10, batchSize: 2, rng: rng, state: .init(epoch: 0, position: 10, counter: 0, rowCount: 10))
    }
  }

  @Test func nextIntoABufferMatchesNext() {
    var a = BatchSampler(rowCount: 9, batchSize: 4, rng: RandomStream(seed: 2, name: "b"))
    var b = a
    var buffer = [Int](repeating: -1, count: 6)
    for _ in 0..<5 {
      buffer.withUnsafeMutableBufferPointer { a.next(into: $0) }
      #expect(Array(buffer[0..<4]) == b.next())
      #expect(Array(buffer[4...]) == [-1, -1])
    }
  }
}
