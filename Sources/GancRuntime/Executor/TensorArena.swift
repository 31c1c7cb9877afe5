/// A block of floats allocated once and freed with its owner.
///
/// Kernels get raw pointers into arenas; the pointers stay valid for the arena's lifetime,
/// which the executor's owners (`ParameterStore`, `FeedStore`, `Executable`) hold for as
/// long as any plan refers to them. Nothing is allocated while training.
public final class TensorArena {
  public let base: UnsafeMutablePointer<Float>
  public let count: Int

  public init(count: Int) {
    self.count = count
    // At least one element so `base` is always a valid, uniquely owned allocation.
    self.base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    base.initialize(repeating: 0, count: max(count, 1))
  }

  deinit { base.deallocate() }

  public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}

/// Where one named tensor lives inside an arena.
public struct TensorSlot: Sendable, Hashable {
  public var offset: Int
  public var shape: [Int]
  public var count: Int { shape.reduce(1, *) }
}

/// Named tensors laid out contiguously in declaration order, in one arena.
public final class TensorStore {
  public let arena: TensorArena
  public let names: [String]
  public let slots: [String: TensorSlot]

  public init(_ tensors: [(name: String, shape: [Int])]) {
    var offset = 0
    var slots: [String: TensorSlot] = [:]
    for t in tensors {
      slots[t.name] = TensorSlot(offset: offset, shape: t.shape)
      offset += t.shape.reduce(1, *)
    }
    self.names = tensors.map(\.name)
    self.slots = slots
    self.arena = TensorArena(count: offset)
  }

  public func pointer(_ name: String) -> UnsafeMutablePointer<Float>? {
    slots[name].map { arena.base + $0.offset }
  }

  public func buffer(_ name: String) -> UnsafeMutableBufferPointer<Float>? {
    slots[name].map { UnsafeMutableBufferPointer(start: arena.base + $0.offset, count: $0.count) }
  }

  /// Copies of every tensor's values, in layout order.
  public var allValues: [Float] { Array(arena.buffer) }
}
