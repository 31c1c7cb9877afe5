import GancIR

/// Reuses, in a later step of an iteration, values an earlier step already computed.
///
/// The steps of an iteration share their data and noise, so a value that depends only on
/// feeds and on parameters no step in between has updated is the same in both steps. The
/// classic case: the discriminator's step computes `fake = G(z)`; it does not update G, so
/// the generator's step can take `fake` and G's activations as they are instead of running
/// G forward again — the hand-written PyTorch loop's reuse of `fake`, found automatically.
///
/// A reused value becomes an output of the step that computes it, written into a feed
/// named `carry N`, and an `input "carry N"` of the step that reads it.
public enum CrossStepReuse {
  public static let feedPrefix = "carry "

  public static func run(_ module: Module) -> Module {
    var m = module
    var newFeeds: [FeedDecl] = []
    var producerOutputs: [Int: [(String, ValueID)]] = [:]
    // Only steps of one phase run in one iteration, so only they can share.
    for phase in m.phases {
      reuse(within: phase.steps, &m, &newFeeds, &producerOutputs)
    }
    // Keep only the carries a later step still reads after its dead code was removed.
    var read = Set<String>()
    for step in m.steps {
      for inst in step.graph.instructions {
        if case .input(let n) = inst.op, n.hasPrefix(feedPrefix) { read.insert(n) }
      }
    }
    for (i, outputs) in producerOutputs {
      m.steps[i].graph.outputs += outputs.filter { read.contains($0.0) }
    }
    m.feeds += newFeeds.filter { read.contains($0.name) }
    return m
  }

  private static func reuse(
    within order: [Int], _ m: inout Module, _ newFeeds: inout [FeedDecl],
    _ producerOutputs: inout [Int: [(String, ValueID)]]
  ) {
    var keys = KeyTable()
    // For each earlier step: its values by key, and the parameters each depends on.
    var available: [Int: (step: Int, value: ValueID)] = [:]
    var carried: [Int: String] = [:]  // key -> feed name

    for (position, j) in order.enumerated() {
      let g = m.steps[j].graph
      let ids = keys.keys(of: g)
      // Parameters updated between step i's run and step j's (each repetition of j too,
      // when j repeats, since its second run sees its own first update).
      func updated(since i: Int) -> Set<String> {
        var s = Set<String>()
        for k in order[order.firstIndex(of: i)!..<position] { s.formUnion(m.steps[k].parameters) }
        if m.steps[j].repeatCount > 1 { s.formUnion(m.steps[j].parameters) }
        return s
      }
      var replace: [ValueID: String] = [:]
      for inst in g.instructions where !inst.op.isSource && !inst.op.hasSideEffects && inst.op.resultCount == 1 {
        let v = inst.results[0]
        guard let key = ids[v.index], let (i, producer) = available[key] else { continue }
        guard keys.parameters(of: key).isDisjoint(with: updated(since: i)) else { continue }
        let name =
          carried[key]
          ?? {
            let n = feedPrefix + String(newFeeds.count)
            newFeeds.append(FeedDecl(name: n, shape: g.shape(of: v)))
            producerOutputs[i, default: []].append((n, producer))
            carried[key] = n
            return n
          }()
        replace[v] = name
      }
      if !replace.isEmpty {
        var h = g
        for idx in h.instructions.indices {
          let r = h.instructions[idx].results[0]
          if let name = replace[r], h.instructions[idx].results.count == 1 {
            h.instructions[idx] = Instruction(op: .input(name), operands: [], results: [r])
          }
        }
        // A running statistic (batch norm's) whose batch statistic is taken from an earlier
        // step was already counted there: the same batch must not move it twice, as it
        // does not in a hand-written loop that reuses `fake`.
        let stale = Set(
          h.instructions.filter {
            if case .updateState = $0.op { return replace[$0.operands[0]] != nil }
            return false
          }.map { $0.results[0] })
        h.instructions.removeAll { stale.contains($0.results[0]) }
        h.outputs.removeAll { stale.contains($0.value) }
        m.steps[j].graph = DeadCode().run(h)
      }
      // Values of this step become available to later ones (keyed before replacement, so
      // a value reused here is found under the same key later).
      for inst in g.instructions where !inst.op.isSource && !inst.op.hasSideEffects && inst.op.resultCount == 1 {
        if let key = ids[inst.results[0].index], available[key] == nil, replace[inst.results[0]] == nil {
          available[key] = (j, inst.results[0])
        }
      }
    }
  }
}

/// Structural identity of values across graphs: two values have the same key when the same
/// op is applied to operands with the same keys, down to the same sources.
struct KeyTable {
  private struct Key: Hashable {
    var op: Op
    var operands: [Int]
    var result: Int
    var shape: [Int]
  }

  private var table: [Key: Int] = [:]
  private var parameterSets: [Set<String>] = []

  /// The key of every value of `g` (nil for values no instruction defines).
  mutating func keys(of g: Graph) -> [Int?] {
    var ids = [Int?](repeating: nil, count: g.shapes.count)
    for inst in g.instructions {
      let operandIDs = inst.operands.compactMap { ids[$0.index] }
      guard operandIDs.count == inst.operands.count else { continue }
      for (k, r) in inst.results.enumerated() {
        let key = Key(op: inst.op, operands: operandIDs, result: k, shape: g.shape(of: r))
        if let id = table[key] {
          ids[r.index] = id
        } else {
          let id = parameterSets.count
          table[key] = id
          var ps = Set<String>()
          if case .parameter(let n) = inst.op { ps.insert(n) }
          for o in operandIDs { ps.formUnion(parameterSets[o]) }
          parameterSets.append(ps)
          ids[r.index] = id
        }
      }
    }
    return ids
  }

  /// The parameters the value with key `id` depends on.
  func parameters(of id: Int) -> Set<String> { parameterSets[id] }
}

extension Op {
  /// Sources have no operands; their values come from outside the graph.
  public var isSource: Bool {
    switch self {
    case .input, .parameter, .constant, .state: true
    default: false
    }
  }
}
