import GancIR

/// Where each value of a graph lives while the graph runs.
public enum ValueStorage: Sendable, Hashable {
  /// A parameter (or training state), in the parameter store.
  case parameter(String)
  /// A fed batch, in the feed store.
  case feed(String)
  /// A constant, filled once when the plan is built.
  case constant(offset: Int)
  /// Pinned by the caller (a gradient in the step's gradient arena).
  case pinned(String)
  /// Planned: an offset in the workspace, shared with values whose lifetimes do not overlap.
  case workspace(offset: Int)
}

/// A static memory plan: every intermediate value gets an offset in one workspace, reused
/// by values whose lifetimes do not overlap (XLA's buffer assignment in miniature).
///
/// An elementwise op whose first operand dies at that op writes its result over the
/// operand (oneDNN-style in-place), so a chain like `matmul → add_bias → relu` needs one
/// buffer, not three.
public struct MemoryPlan: Sendable {
  public var storage: [ValueStorage?]
  /// The workspace offset of each instruction's scratch memory, if it needs any.
  public var scratch: [Int?]
  public var workspaceSize: Int
  public var constantsSize: Int
  /// The sum of all intermediate values' sizes: what a plan without reuse would need.
  public var unplannedSize: Int
  public var inPlaceCount: Int

  /// Floats are placed at multiples of 16 (64 bytes, one cache line).
  static let alignment = 16

  public init(graph g: Graph, pinned: Set<String>) {
    var storage = [ValueStorage?](repeating: nil, count: g.shapes.count)
    var constantsSize = 0
    let outputsByValue = Dictionary(g.outputs.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })

    // Sources and pinned outputs first.
    for inst in g.instructions {
      let r = inst.results[0]
      switch inst.op {
      case .parameter(let n), .state(let n): storage[r.index] = .parameter(n)
      case .input(let n): storage[r.index] = .feed(n)
      case .constant:
        storage[r.index] = .constant(offset: constantsSize)
        constantsSize += Self.aligned(g.elementCount(of: r))
      default:
        for v in inst.results {
          if let name = outputsByValue[v], pinned.contains(name) { storage[v.index] = .pinned(name) }
        }
      }
    }

    // A reshape is a view of its operand's memory (unless its result is pinned elsewhere):
    // `root` maps each value to the value that owns its memory.
    var root = Array(0..<g.shapes.count)
    for inst in g.instructions where inst.op == .reshape && storage[inst.results[0].index] == nil {
      root[inst.results[0].index] = root[inst.operands[0].index]
    }

    // Last use of each value's memory; outputs live to the end, views extend their root.
    var lastUse = [Int](repeating: -1, count: g.shapes.count)
    for (i, inst) in g.instructions.enumerated() {
      for o in inst.operands { lastUse[root[o.index]] = max(lastUse[root[o.index]], i) }
    }
    for (_, v) in g.outputs { lastUse[root[v.index]] = Int.max }

    var allocator = FreeList()
    var unplanned = 0
    var inPlace = 0
    var owner: [Int: ValueID] = [:]  // workspace offset -> value currently holding it
    var scratch = [Int?](repeating: nil, count: g.instructions.count)
    for (i, inst) in g.instructions.enumerated() {
      // Scratch lives only while its instruction runs: placed with the results, released at once.
      let need = inst.op.scratchCount(
        operands: inst.operands.map { g.shape(of: $0) }, results: inst.results.map { g.shape(of: $0) })
      if need > 0 {
        let off = allocator.allocate(Self.aligned(need))
        scratch[i] = off
        unplanned += Self.aligned(need)
      }
      if inst.op == .reshape, root[inst.results[0].index] != inst.results[0].index {
        storage[inst.results[0].index] = storage[root[inst.results[0].index]]
        continue
      }
      for (k, r) in inst.results.enumerated() where storage[r.index] == nil {
        let size = Self.aligned(g.elementCount(of: r))
        unplanned += size
        if k == 0, inst.op.canWriteOverFirstOperand, let x = inst.operands.first, lastUse[x.index] == i,
          case .workspace(let off) = storage[x.index], g.elementCount(of: x) == g.elementCount(of: r),
          owner[off] == x, !inst.operands.dropFirst().contains(x)
        {
          storage[r.index] = .workspace(offset: off)
          owner[off] = r
          inPlace += 1
          continue
        }
        let off = allocator.allocate(size)
        storage[r.index] = .workspace(offset: off)
        owner[off] = r
      }
      // Release operands whose life ends here (after the results were placed, so a result
      // never shares memory with an operand except by the in-place rule above).
      for o in Set(inst.operands.map { ValueID(root[$0.index]) }) where lastUse[o.index] == i {
        if case .workspace(let off) = storage[o.index], owner[off] == o {
          allocator.release(off, Self.aligned(g.elementCount(of: o)))
          owner[off] = nil
        }
      }
      if let off = scratch[i] {
        allocator.release(off, Self.aligned(need))
      }
      // Results nobody reads die at once.
      for r in inst.results where lastUse[r.index] == -1 {
        if case .workspace(let off) = storage[r.index], owner[off] == r {
          allocator.release(off, Self.aligned(g.elementCount(of: r)))
          owner[off] = nil
        }
      }
    }
    self.storage = storage
    self.scratch = scratch
    self.workspaceSize = allocator.highWater
    self.constantsSize = constantsSize
    self.unplannedSize = unplanned
    self.inPlaceCount = inPlace
  }

  static func aligned(_ n: Int) -> Int { (max(n, 1) + alignment - 1) / alignment * alignment }
}

/// First-fit allocation of offsets, with neighbouring free blocks merged.
struct FreeList {
  private var free: [(offset: Int, size: Int)] = []
  private(set) var highWater = 0

  mutating func allocate(_ size: Int) -> Int {
    if let i = free.firstIndex(where: { $0.size >= size }) {
      let block = free[i]
      if block.size == size {
        free.remove(at: i)
      } else {
        free[i] = (block.offset + size, block.size - size)
      }
      return block.offset
    }
    // Grow from the end, reusing a free block that touches the end.
    if let last = free.last, last.offset + last.size == highWater {
      free.removeLast()
      highWater = last.offset + size
      return last.offset
    }
    let off = highWater
    highWater += size
    return off
  }

  mutating func release(_ offset: Int, _ size: Int) {
    var i = free.firstIndex { $0.offset > offset } ?? free.count
    free.insert((offset, size), at: i)
    if i + 1 < free.count, free[i].offset + free[i].size == free[i + 1].offset {
      free[i].size += free[i + 1].size
      free.remove(at: i + 1)
    }
    if i > 0, free[i - 1].offset + free[i - 1].size == free[i].offset {
      free[i - 1].size += free[i].size
      free.remove(at: i)
      i -= 1
    }
  }
}
