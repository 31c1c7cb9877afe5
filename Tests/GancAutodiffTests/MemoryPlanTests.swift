import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

/// Everything wrong with `plan` for `g`, checked from the plan alone (no execution):
///
/// - every value has storage of the right kind (sources in their stores, constants in the
///   constants block, pinned outputs in pinned memory, the rest in the workspace);
/// - a reshape that is not pinned shares its operand's storage (a view);
/// - no two values whose lifetimes overlap share workspace memory, except a result
///   written over its first operand by an elementwise op at that operand's last use;
/// - outputs never overlap one another; everything fits in the sizes the plan reports.
///
/// A lifetime runs from the defining instruction to the last instruction reading the
/// value or any view of it (to the end for outputs); both ends are inclusive, so an
/// operand and a result of one instruction always overlap.
func planProblems(_ g: Graph, _ plan: MemoryPlan, pinned: Set<String>) -> [String] {
  var problems: [String] = []
  var root = Array(0..<g.shapes.count)
  var end = [Int](repeating: -1, count: g.shapes.count)

  for (i, inst) in g.instructions.enumerated() {
    for r in inst.results {
      guard let s = plan.storage[r.index] else {
        problems.append("\(r) (\(inst.op.mnemonic)) has no storage")
        continue
      }
      switch (inst.op, s) {
      case (.parameter(let n), .parameter(let m)), (.input(let n), .feed(let m)):
        if n != m { problems.append("\(r) is source \(n) but is stored as \(m)") }
      case (.constant, .constant): break
      case (.parameter, _), (.input, _), (.constant, _): problems.append("\(r) (\(inst.op.mnemonic)) is stored as \(s)")
      case (_, .pinned(let n)):
        if !pinned.contains(n) || g.output(named: n) != r {
          problems.append("\(r) is pinned as \(n), which is not its pinned output")
        }
      case (.reshape, _):
        // A view (checked below) or, when pinned, a copy.
        break
      case (_, .workspace): break
      default: problems.append("\(r) (\(inst.op.mnemonic)) is stored as \(s)")
      }
    }
    if inst.op == .reshape, case .pinned = plan.storage[inst.results[0].index] {
    } else if inst.op == .reshape {
      root[inst.results[0].index] = root[inst.operands[0].index]
      if plan.storage[inst.results[0].index] != plan.storage[root[inst.operands[0].index]] {
        problems.append("reshape \(inst.results[0]) is not a view of \(inst.operands[0])")
      }
    }
    for o in inst.operands { end[root[o.index]] = max(end[root[o.index]], i) }
  }
  for (_, v) in g.outputs { end[root[v.index]] = Int.max }

  // Workspace blocks of the values that own their memory.
  struct Block { var value: Int; var offset: Int; var count: Int; var start: Int; var end: Int }
  var blocks: [Block] = []
  for (i, inst) in g.instructions.enumerated() {
    for r in inst.results where root[r.index] == r.index {
      guard case .workspace(let off) = plan.storage[r.index] else { continue }
      let n = g.elementCount(of: r)
      if off < 0 || off + n > plan.workspaceSize {
        problems.append("\(r) at \(off)..<\(off + n) is outside the workspace of \(plan.workspaceSize)")
      }
      blocks.append(Block(value: r.index, offset: off, count: n, start: i, end: max(end[r.index], i)))
    }
  }
  /// Whether `v` legitimately took over `u`'s memory: written at `u`'s last use by an
  /// elementwise op whose first operand is `u`, element i over element i. (Another operand
  /// that is `u` or a view of it is harmless: each element is read before it is written.)
  func inPlace(_ u: Block, _ v: Block) -> Bool {
    guard u.end == v.start, u.offset == v.offset, u.count == v.count else { return false }
    let inst = g.instructions[v.start]
    return inst.op.canWriteOverFirstOperand && inst.operands.first?.index == u.value && inst.results[0].index == v.value
  }
  for a in blocks.indices {
    for b in blocks.indices where a < b {
      let (u, v) = blocks[a].start <= blocks[b].start ? (blocks[a], blocks[b]) : (blocks[b], blocks[a])
      let memory = u.offset < v.offset + v.count && v.offset < u.offset + u.count
      let alive = u.start <= v.end && v.start <= u.end
      if memory && alive && !inPlace(u, v) {
        problems.append(
          "%\(u.value) [\(u.start)...\(u.end == Int.max ? "end" : String(u.end))] and %\(v.value) [\(v.start)...\(v.end == Int.max ? "end" : String(v.end))] share memory \(max(u.offset, v.offset))"
        )
      }
    }
  }
  // Outputs: distinct (non-view) outputs never share memory; constants stay in their block.
  let outputRoots = Set(g.outputs.map { root[$0.value.index] })
  let outputBlocks = blocks.filter { outputRoots.contains($0.value) }
  for a in outputBlocks.indices {
    for b in outputBlocks.indices where a < b {
      let (u, v) = (outputBlocks[a], outputBlocks[b])
      if u.offset < v.offset + v.count && v.offset < u.offset + u.count {
        problems.append("outputs %\(u.value) and %\(v.value) overlap")
      }
    }
  }
  var constants: [(Int, Int)] = []
  for inst in g.instructions where inst.op.resultCount == 1 {
    if case .constant = inst.op, case .constant(let off) = plan.storage[inst.results[0].index] {
      let n = g.elementCount(of: inst.results[0])
      if off + n > plan.constantsSize { problems.append("constant \(inst.results[0]) outside the constants block") }
      for (o, m) in constants where o < off + n && off < o + m { problems.append("constants overlap at \(off)") }
      constants.append((off, n))
    }
  }
  return problems
}

/// A random graph over [4, 6] tensors mixing elementwise chains (in-place candidates),
/// matmuls, reshapes (views), concat/slice, reductions, stop_gradient and several outputs.
func randomPlanGraph(seed: UInt64) -> (b: GraphBuilder, loss: ValueID, outputs: [(String, ValueID)]) {
  var rng = Rng(seed: seed)
  var b = GraphBuilder()
  var pool = [b.input("x", [4, 6]), b.param("q", [4, 6])]
  func pick(_ rng: inout Rng) -> ValueID { pool[rng.int(max(0, pool.count - 4)..<pool.count)] }
  let steps = rng.int(8..<18)
  for _ in 0..<steps {
    let v = pick(&rng)
    var r: ValueID
    switch rng.int(0..<10) {
    case 0: r = b.add(.matmul(transposeA: false, transposeB: false), v, b.param(rng.bool() ? "a" : "b", [6, 6]))
    case 1: r = b.add(.addBias, v, b.param("c", [6]))
    case 2: r = b.add(.activation([.tanh, .sigmoid, .identity][rng.int(0..<3)]), v)
    case 3: r = b.add(.binary([.add, .subtract, .multiply][rng.int(0..<3)]), v, pick(&rng))
    case 4: r = b.add(.scale(rng.bool() ? 0.5 : -1.5), v)
    case 5:
      var m = b.add(.reshape, v, shape: [2, 12])
      if rng.bool() { m = b.add(.activation(.tanh), m) }
      r = b.add(.reshape, m, shape: [4, 6])
    case 6:
      let c = b.add(.concat(axis: -1), v, pick(&rng))
      r = b.add(.slice(axis: -1, start: rng.int(0..<7), length: 6), c)
    case 7: r = b.add(.binary(.multiply), b.add(.broadcast, b.add(.mean, v), shape: [4, 6]), pick(&rng))
    case 8: r = b.add(.unary(rng.bool() ? .negate : .square), b.add(.activation(.tanh), v))
    default: r = b.add(.stopGradient, v)
    }
    if rng.int(0..<3) == 0 { r = b.add(.activation(.tanh), r) }
    pool.append(r)
  }
  let loss = b.add(.binary(.add), b.add(.loss(.mse), pool.last!, b.input("t", [4, 6])), b.add(.mean, pick(&rng)))
  var outputs: [(String, ValueID)] = []
  for k in 0..<rng.int(0..<3) {
    let v = pick(&rng)
    outputs.append(("out \(k)", rng.bool() ? v : b.add(.reshape, v, shape: [24])))
  }
  // Make sure every parameter exists, so some gradients are zero constants.
  for (n, s) in [("a", [6, 6]), ("b", [6, 6]), ("c", [6])] { _ = b.param(n, s) }
  return (b, loss, outputs)
}

@Suite("Memory plan")
struct MemoryPlanTests {
  @Test(arguments: 0..<16)
  func randomGraphsHaveSoundPlans(seed: Int) throws {
    let (b, loss, extra) = randomPlanGraph(seed: UInt64(seed) &* 7919 &+ 17)
    var g = b.g
    g.outputs = [(TrainingStep.lossOutput, loss)] + extra
    let params = b.parameterNames
    let diff = try Autodiff.differentiate(g, loss: loss, withRespectTo: params)
    var rng = Rng(seed: UInt64(seed))
    let values = b.randomValues(&rng)
    let reference = try ReferenceInterpreter.outputs(diff, sources: values)
    let gradients = Set(params.map(TrainingStep.gradientOutput))
    for (label, graph) in [("raw", rawRunnable(diff)), ("optimised", Pipeline.run(diff))] {
      #expect(Verifier.verify(graph) == [])
      for pinned in [Set<String>(), gradients] {
        let plan = MemoryPlan(graph: graph, pinned: pinned)
        let problems = planProblems(graph, plan, pinned: pinned)
        #expect(problems.isEmpty, "\(label), \(pinned.count) pinned: \(problems.prefix(5))")
        #expect(plan.workspaceSize <= plan.unplannedSize)
        let out = try runOnRuntime(graph, values: values, pin: Array(pinned))
        for (name, v) in reference {
          expectClose(out[name], v, rtol: 1e-3, "\(label), \(pinned.count) pinned: \(name)")
        }
      }
    }
  }

  /// Fused training graphs (multi-result ops, dense epilogues) plan soundly too, with and
  /// without pinned gradients.
  @Test(arguments: mlpCases.filter { $0.layers == 3 })
  func fusedGraphsHaveSoundPlans(_ c: MLPCase) throws {
    var rng = Rng(seed: seed("plan " + c.testDescription))
    let (_, diff, b, _) = try buildMLP(c, rng: &rng)
    let fused = Pipeline.run(diff)
    let gradients = Set(b.parameterNames.map(TrainingStep.gradientOutput))
    for pinned in [Set<String>(), gradients] {
      let plan = MemoryPlan(graph: fused, pinned: pinned)
      let problems = planProblems(fused, plan, pinned: pinned)
      #expect(problems.isEmpty, "\(pinned.count) pinned: \(problems.prefix(5))")
      #expect(plan.workspaceSize < plan.unplannedSize, "some memory is reused")
    }
  }

  /// `matmul → add_bias → relu → tanh → scale → neg`: every elementwise op writes over
  /// its operand, so the chain needs one buffer.
  @Test func elementwiseChainRunsInPlace() throws {
    var b = GraphBuilder()
    let h = b.add(.matmul(transposeA: false, transposeB: false), b.input("x", [4, 3]), b.param("w", [3, 6]))
    var chain = [h]
    chain.append(b.add(.addBias, h, b.param("b", [6])))
    chain.append(b.add(.activation(.relu), chain.last!))
    chain.append(b.add(.activation(.tanh), chain.last!))
    chain.append(b.add(.scale(2), chain.last!))
    chain.append(b.add(.unary(.negate), chain.last!))
    var g = b.g
    g.outputs = [("y", chain.last!)]
    let plan = MemoryPlan(graph: g, pinned: [])
    #expect(planProblems(g, plan, pinned: []) == [])
    #expect(plan.inPlaceCount == 5)
    let storages = Set(chain.map { plan.storage[$0.index] })
    #expect(storages == [.workspace(offset: 0)], "one buffer for the whole chain: \(storages)")
    // 24 floats, rounded up to the plan's 16-float (cache line) alignment.
    #expect(plan.workspaceSize == 32)
    var rng = Rng(seed: 31)
    let values = b.randomValues(&rng)
    expectClose(
      try runOnRuntime(g, values: values)["y"], try ReferenceInterpreter.outputs(g, sources: values)["y"], rtol: 1e-5,
      "y")
  }

  /// An operand still needed later is never overwritten: `tanh(h)` keeps `h`, the last
  /// reader of `h` may overwrite it, and an op whose first operand is also its second
  /// does not run in place on it when a view of it lives on.
  @Test func inPlaceOnlyAtTheLastUse() throws {
    var b = GraphBuilder()
    let h = b.add(.matmul(transposeA: false, transposeB: false), b.input("x", [4, 3]), b.param("w", [3, 6]))
    let t = b.add(.activation(.tanh), h)
    let view = b.add(.reshape, t, shape: [6, 4])
    let s = b.add(.activation(.sigmoid), h)
    let sum = b.add(.binary(.add), t, s)
    let y = b.add(.binary(.multiply), b.add(.reshape, sum, shape: [6, 4]), view)
    var g = b.g
    g.outputs = [("y", y)]
    let plan = MemoryPlan(graph: g, pinned: [])
    #expect(planProblems(g, plan, pinned: []) == [])
    #expect(plan.storage[t.index] != plan.storage[h.index], "h is read again by sigmoid")
    #expect(plan.storage[s.index] == plan.storage[h.index], "sigmoid is h's last use")
    #expect(plan.storage[sum.index] != plan.storage[t.index], "t lives on through its view")
    #expect(plan.storage[view.index] == plan.storage[t.index])
    var rng = Rng(seed: 32)
    let values = b.randomValues(&rng)
    expectClose(
      try runOnRuntime(g, values: values)["y"], try ReferenceInterpreter.outputs(g, sources: values)["y"], rtol: 1e-5,
      "y")
  }

  /// A reshape is a view of its operand — of workspace memory, of a parameter, of a
  /// constant — unless its result is pinned, when it is a copy into the pinned memory.
  @Test(arguments: [false, true])
  func reshapeIsAViewUnlessPinned(pinned: Bool) throws {
    var b = GraphBuilder()
    let p = b.param("p", [4, 6])
    let a = b.add(.activation(.tanh), b.add(.binary(.multiply), p, b.input("x", [4, 6])))
    let r = b.add(.reshape, a, shape: [2, 12])
    let rp = b.add(.reshape, p, shape: [24])
    let k = b.constant(2, [6, 4])
    let c = b.add(.reshape, k, shape: [4, 6])
    let s = b.add(.sum, b.add(.binary(.multiply), a, c))
    var g = b.g
    g.outputs = [("r", r), ("rp", rp), ("s", s)]
    let pins: Set<String> = pinned ? ["r", "rp"] : []
    let plan = MemoryPlan(graph: g, pinned: pins)
    #expect(planProblems(g, plan, pinned: pins) == [])
    if pinned {
      #expect(plan.storage[r.index] == .pinned("r"))
      #expect(plan.storage[rp.index] == .pinned("rp"))
    } else {
      #expect(plan.storage[r.index] == plan.storage[a.index])
      #expect(plan.storage[rp.index] == .parameter("p"))
    }
    #expect(plan.storage[c.index] == plan.storage[k.index], "a reshaped constant stays in the constants block")

    var rng = Rng(seed: 33)
    let values = b.randomValues(&rng)
    let parameters = TensorStore([("p", [4, 6])])
    let feeds = TensorStore([("x", [4, 6])])
    let exe = try Executable(graph: g, parameters: parameters, feeds: feeds)
    // Kernels: mul, tanh, the product with c, sum; each reshape adds a copy only when pinned
    // (here, unpinned executable: no copies at all).
    #expect(exe.kernelCount == 4)
    let out = try runOnRuntime(g, values: values, pin: Array(pins))
    let reference = try ReferenceInterpreter.outputs(g, sources: values)
    for (name, v) in reference { expectClose(out[name], v, rtol: 1e-5, name) }
  }
}
