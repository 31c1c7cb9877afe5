import GancRuntime

/// Draws minibatches of row indices: each epoch is a fresh random permutation of the rows,
/// walked in order, so within an epoch every row is used exactly once.
///
/// When fewer rows remain in the epoch than a batch needs, the batch takes those rows and
/// then starts the next epoch for the rest; no row is skipped, but such a straddling batch may
/// contain one row twice (once from each epoch).
///
/// Invariants: `0 <= position < rowCount`, and `epoch` counts the epochs finished, so after
/// exactly one pass `epoch == 1` and `position == 0`. The sampler is a function of its
/// random stream: the same seed gives the same batches, and `state` restores a sampler
/// mid-epoch (it stores the stream's counter from before the current permutation was drawn,
/// which regenerates that permutation).
public struct BatchSampler: Sendable {
  /// What a checkpoint stores to resume a sampler exactly.
  public struct State: Sendable, Hashable, Codable {
    /// Epochs finished.
    public var epoch: Int
    /// Rows of the current epoch already handed out.
    public var position: Int
    /// The random stream's counter just before the current epoch's permutation was drawn.
    public var counter: UInt64
    /// The row count the sampler was built for, so a checkpoint for other data is rejected.
    public var rowCount: Int

    /// A state as saved in a checkpoint; it is validated when a sampler is restored from it.
    public init(epoch: Int, position: Int, counter: UInt64, rowCount: Int) {
      self.epoch = epoch
      self.position = position
      self.counter = counter
      self.rowCount = rowCount
    }
  }

  /// Rows to sample from; indices are in `0 ..< rowCount`.
  public let rowCount: Int
  /// Indices per batch.
  public let batchSize: Int
  /// Epochs finished.
  public private(set) var epoch: Int = 0
  /// Rows of the current epoch already handed out.
  public private(set) var position: Int = 0
  private var rng: RandomStream
  private var epochCounter: UInt64 = 0
  private var order: [Int] = []

  /// A sampler over `rowCount` rows (at least one) drawing `batchSize` indices per batch (at
  /// least one; larger than `rowCount` is allowed and spans epochs). `rng` should be a stream of
  /// its own, e.g. `RandomStream(seed: runSeed, name: "batches")`.
  public init(rowCount: Int, batchSize: Int, rng: RandomStream) {
    precondition(rowCount > 0, "BatchSampler needs at least one row")
    precondition(batchSize > 0, "BatchSampler needs a positive batch size, got \(batchSize)")
    self.rowCount = rowCount
    self.batchSize = batchSize
    self.rng = rng
    startEpoch()
  }

  /// A sampler resumed from `state`; `rng` must be the same stream (seed and name) the saved
  /// sampler was built with; its counter is replaced by the saved one.
  public init(rowCount: Int, batchSize: Int, rng: RandomStream, state: State) throws(DataError) {
    guard state.rowCount == rowCount else {
      throw DataError("the saved batch sampler was for \(state.rowCount) rows but the data has \(rowCount)")
    }
    guard state.epoch >= 0, state.position >= 0, state.position < rowCount else {
      throw DataError(
        "the saved batch sampler state is invalid (epoch \(state.epoch), position \(state.position) of \(rowCount) rows)"
      )
    }
    self.init(rowCount: rowCount, batchSize: batchSize, rng: rng)
    self.rng.counter = state.counter
    startEpoch()
    epoch = state.epoch
    position = state.position
  }

  /// The state to save in a checkpoint.
  public var state: State {
    State(epoch: epoch, position: position, counter: epochCounter, rowCount: rowCount)
  }

  /// The next `batchSize` row indices.
  public mutating func next() -> [Int] {
    var batch = [Int](repeating: 0, count: batchSize)
    batch.withUnsafeMutableBufferPointer { next(into: $0) }
    return batch
  }

  /// Writes the next `batchSize` row indices to the start of `buffer` without allocating
  /// (except once per epoch, for the new permutation).
  public mutating func next(into buffer: UnsafeMutableBufferPointer<Int>) {
    precondition(buffer.count >= batchSize, "buffer of \(buffer.count) for a batch of \(batchSize)")
    var filled = 0
    while filled < batchSize {
      let take = min(batchSize - filled, rowCount - position)
      for i in 0..<take { buffer[filled + i] = order[position + i] }
      filled += take
      position += take
      if position == rowCount {
        epoch += 1
        position = 0
        startEpoch()
      }
    }
  }

  /// Draws the permutation for the epoch starting now, remembering where the stream was.
  private mutating func startEpoch() {
    epochCounter = rng.counter
    order = rng.permutation(rowCount)
  }
}
