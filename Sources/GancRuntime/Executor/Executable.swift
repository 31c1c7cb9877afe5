import GancIR

/// A graph compiled once into a flat list of kernel calls over buffers fixed at build time.
///
/// Running it is a loop over `plan` with no allocation, no shape logic and no dictionary
/// lookups: every pointer and size was resolved when it was built.
public final class Executable {
  public let graph: Graph
  public let memory: MemoryPlan
  private let workspace: TensorArena
  private let constants: TensorArena
  private var plan: [Kernel] = []
  private var outputs: [String: (UnsafeMutablePointer<Float>, Int)] = [:]
  /// Kept alive because `plan` points into them.
  private let parameters: TensorStore
  private let feeds: TensorStore
  private let pinned: [String: UnsafeMutablePointer<Float>]

  /// Compiles `graph`. Outputs named in `pinned` are written straight to the given memory
  /// (e.g. gradients into the optimizer's flat gradient arena), so they are never copied.
  public init(
    graph: Graph, parameters: TensorStore, feeds: TensorStore, pinned: [String: UnsafeMutablePointer<Float>] = [:]
  ) throws(RuntimeError) {
    let problems = Verifier.verify(graph)
    guard problems.isEmpty else {
      throw RuntimeError("invalid graph: " + problems.joined(separator: "; "))
    }
    self.graph = graph
    self.parameters = parameters
    self.feeds = feeds
    self.pinned = pinned
    let memory = MemoryPlan(graph: graph, pinned: Set(pinned.keys))
    self.memory = memory
    self.workspace = TensorArena(count: memory.workspaceSize)
    self.constants = TensorArena(count: memory.constantsSize)

    var pointers = [UnsafeMutablePointer<Float>?](repeating: nil, count: graph.shapes.count)
    for (i, s) in memory.storage.enumerated() {
      guard let s else { continue }
      switch s {
      case .parameter(let n):
        guard let p = parameters.pointer(n) else { throw RuntimeError("no storage for parameter \(n)") }
        pointers[i] = p
      case .feed(let n):
        guard let p = feeds.pointer(n) else { throw RuntimeError("no storage for input \(n)") }
        pointers[i] = p
      case .constant(let off): pointers[i] = constants.base + off
      case .pinned(let n): pointers[i] = pinned[n]
      case .workspace(let off): pointers[i] = workspace.base + off
      }
    }
    for inst in graph.instructions {
      if case .constant(let c) = inst.op, let p = pointers[inst.results[0].index] {
        p.initialize(repeating: c, count: graph.elementCount(of: inst.results[0]))
      }
    }
    // The thread count set now (by `--threads`, or all cores) is the most a product gets;
    // small ones run on one thread.
    let threads = Kernels.threadCount
    for (i, inst) in graph.instructions.enumerated() {
      let scratch = memory.scratch[i].map { workspace.base + $0 }
      if let k = try Kernel.make(inst, graph: graph, pointers: pointers, scratch: scratch, threads: threads) {
        plan.append(k)
      }
    }
    for (name, v) in graph.outputs {
      guard let p = pointers[v.index] else { throw RuntimeError("output \(name) has no storage") }
      let n = graph.elementCount(of: v)
      // A pinned output whose value lives elsewhere (a constant such as a zero gradient, a
      // source, or a value shared with another output) is copied to its memory at the end.
      if let target = pinned[name], target != p {
        plan.append(.copy(x: p, y: target, count: n))
        outputs[name] = (target, n)
      } else {
        outputs[name] = (p, n)
      }
    }
  }

  /// Runs every kernel in order.
  public func run() {
    for k in plan { k.execute() }
  }

  /// The current contents of output `name`.
  public func output(_ name: String) -> UnsafeBufferPointer<Float>? {
    outputs[name].map { UnsafeBufferPointer(start: $0.0, count: $0.1) }
  }

  public var kernelCount: Int { plan.count }
}

/// A failure inside the runtime: a graph it cannot run, a resource it cannot get.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
