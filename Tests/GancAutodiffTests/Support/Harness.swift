import Foundation
import GancAutodiff
import GancIR
import GancPasses
import GancRuntime
import GancTestSupport
import Testing

/// The tests' seeded generator (SplitMix64, in GancTestSupport): every failure reproduces.
typealias Rng = SplitMix64

extension SplitMix64 {
  /// Uniform in `[lo, hi]`, rounded to the nearest Float so the Float32 runtime and the
  /// Double reference see exactly the same inputs.
  mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    Double(Float(Double.random(in: lo...hi, using: &self)))
  }

  /// A magnitude in `[lo, hi]` with a random sign: never near zero.
  mutating func signed(_ lo: Double, _ hi: Double) -> Double {
    let m = uniform(lo, hi)
    return Bool.random(using: &self) ? m : -m
  }

  mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
  mutating func bool() -> Bool { Bool.random(using: &self) }
}

/// A source of a test graph.
struct Source {
  var name: String
  var shape: [Int]
  var isParameter: Bool
}

/// The parameters and inputs a graph reads, in order of first appearance.
func sources(of g: Graph) -> [Source] {
  var seen: Set<String> = []
  var out: [Source] = []
  for inst in g.instructions {
    switch inst.op {
    case .parameter(let n) where !seen.contains(n):
      seen.insert(n)
      out.append(Source(name: n, shape: g.shape(of: inst.results[0]), isParameter: true))
    case .input(let n) where !seen.contains(n):
      seen.insert(n)
      out.append(Source(name: n, shape: g.shape(of: inst.results[0]), isParameter: false))
    default:
      break
    }
  }
  return out
}

/// The passes between autodiff and the runtime minus fusion: the "unfused" reference.
let unfusedPasses: [any GraphPass] = [RemoveStopGradients(), CommonSubexpressions(), Simplify(), DeadCode()]

/// The least a graph needs before it can run: `stop_gradient` removed, nothing else.
func rawRunnable(_ g: Graph) -> Graph { RemoveStopGradients().run(g) }

/// Compiles `g` for the runtime, feeds it `values` (Float32), runs it once and returns every
/// output in Double. Outputs named in `pin` are written to caller-owned memory, as the
/// step runner does with gradients; their values are read from that memory (which is what
/// the optimizer reads), not from the executable. Pinned memory starts as NaN so an output
/// the executable never writes is caught.
func runOnRuntime(_ g: Graph, values: [String: [Double]], pin: [String] = []) throws -> [String: [Double]] {
  let src = sources(of: g)
  let parameters = TensorStore(src.filter(\.isParameter).map { ($0.name, $0.shape) })
  let feeds = TensorStore(src.filter { !$0.isParameter }.map { ($0.name, $0.shape) })
  for s in src {
    let store = s.isParameter ? parameters : feeds
    let buf = store.buffer(s.name)!
    let v = try #require(values[s.name], "no value for source \(s.name)")
    try #require(v.count == buf.count, "source \(s.name) has \(buf.count) elements, \(v.count) given")
    for i in 0..<buf.count { buf[i] = Float(v[i]) }
  }
  var pinnedShapes: [(name: String, shape: [Int])] = []
  for name in pin {
    let v = try #require(g.output(named: name), "no output \(name) to pin")
    pinnedShapes.append((name, g.shape(of: v)))
  }
  let pinnedStore = TensorStore(pinnedShapes)
  pinnedStore.arena.buffer.update(repeating: .nan)
  var pinned: [String: UnsafeMutablePointer<Float>] = [:]
  for name in pin { pinned[name] = pinnedStore.pointer(name)! }

  let exe = try Executable(graph: g, parameters: parameters, feeds: feeds, pinned: pinned)
  exe.run()
  var out: [String: [Double]] = [:]
  for (name, _) in g.outputs {
    if pin.contains(name) {
      out[name] = pinnedStore.buffer(name)!.map(Double.init)
    } else {
      out[name] = try #require(exe.output(name), "no output \(name)").map(Double.init)
    }
  }
  withExtendedLifetime((exe, pinnedStore)) {}
  return out
}

/// Central finite differences of the scalar `loss` of the forward graph `g`, evaluated by
/// the Double reference interpreter, with respect to every element of each named source.
///
/// `h = 1e-6·max(1, |x|)`: the truncation error is O(h²·f''') ≈ 1e-12 and the rounding
/// error O(ε_double·|f|/h) ≈ 1e-10 for the O(1) losses here, both far below any tolerance
/// used against them. Values behind `stop_gradient` are frozen at their unperturbed value.
func finiteDifferences(_ g: Graph, loss: ValueID, wrt names: [String], values: [String: [Double]]) throws -> [String:
  [Double]]
{
  let base = try ReferenceInterpreter.evaluate(g, sources: values)
  var frozen: [Int: [Double]] = [:]
  for inst in g.instructions where inst.op == .stopGradient {
    frozen[inst.results[0].index] = base[inst.results[0].index]
  }
  func f(_ v: [String: [Double]]) throws -> Double {
    try ReferenceInterpreter.evaluate(g, sources: v, frozen: frozen)[loss.index]![0]
  }
  var grads: [String: [Double]] = [:]
  for n in names {
    var v = values
    var d = [Double](repeating: 0, count: values[n]!.count)
    for i in d.indices {
      let x = values[n]![i]
      let h = 1e-6 * max(1, abs(x))
      v[n]![i] = x + h
      let up = try f(v)
      v[n]![i] = x - h
      let down = try f(v)
      v[n]![i] = x
      d[i] = (up - down) / (2 * h)
    }
    grads[n] = d
  }
  return grads
}

/// Expects `|got[i] − want[i]| ≤ rtol·max(1, |want[i]|)` for every element (and equal
/// counts); reports the worst element once rather than every element.
func expectClose(
  _ got: [Double]?, _ want: [Double]?, rtol: Double, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard let got, let want else {
    Issue.record(
      "\(what): missing values (got \(got == nil ? "nil" : "values"), want \(want == nil ? "nil" : "values"))",
      sourceLocation: sourceLocation)
    return
  }
  guard got.count == want.count else {
    Issue.record("\(what): \(got.count) elements, expected \(want.count)", sourceLocation: sourceLocation)
    return
  }
  var worst: (index: Int, excess: Double)? = nil
  var bad = 0
  for i in got.indices {
    let bound = rtol * max(1, abs(want[i]))
    let err = abs(got[i] - want[i])
    if !(err <= bound) {
      bad += 1
      let excess = err.isNaN ? .infinity : err / bound
      if worst == nil || excess > worst!.excess { worst = (i, excess) }
    }
  }
  if let w = worst {
    Issue.record(
      "\(what): \(bad) of \(got.count) elements differ; worst [\(w.index)] got \(got[w.index]) want \(want[w.index]) (rtol \(rtol))",
      sourceLocation: sourceLocation)
  }
}

/// The ops of a graph's instructions, for structural assertions.
func ops(_ g: Graph) -> [Op] { g.instructions.map(\.op) }

func count(_ g: Graph, where p: (Op) -> Bool) -> Int { g.instructions.filter { p($0.op) }.count }
