import Foundation
import GancIR

/// A reference interpreter for the IR: every op evaluated in Double with plain loops over
/// row-major arrays, written from the op's documentation and independent of the runtime's
/// kernels (no BLAS, no in-place tricks, no memory plan).
///
/// It evaluates forward ops, the backward ops that autodiff emits and the fused ops, so it
/// can check the runtime on any graph in these tests. `stop_gradient` is the identity
/// unless `frozen` supplies its value: finite differences freeze detached values at their
/// unperturbed value, which is exactly the derivative `stop_gradient` promises.
enum ReferenceInterpreter {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// The value of every defined value (indexed like `graph.shapes`), given each source's
  /// values by name (parameters and inputs share one namespace in these tests).
  static func evaluate(
    _ g: Graph, sources: [String: [Double]], frozen: [Int: [Double]] = [:]
  ) throws -> [[Double]?] {
    var v = [[Double]?](repeating: nil, count: g.shapes.count)
    func value(_ id: ValueID) -> [Double] { v[id.index]! }
    func shape(_ id: ValueID) -> [Int] { g.shape(of: id) }
    func count(_ id: ValueID) -> Int { g.elementCount(of: id) }
    /// (rows, cols) of a value read as a matrix whose rows are all leading axes.
    func matrix(_ id: ValueID) -> (Int, Int) {
      let cols = shape(id).last ?? 1
      return (cols == 0 ? 0 : count(id) / cols, cols)
    }

    for inst in g.instructions {
      let o = inst.operands
      let r = inst.results
      var out: [[Double]] = []
      switch inst.op {
      case .input(let n), .parameter(let n), .state(let n):
        guard let s = sources[n], s.count == count(r[0]) else {
          throw Failure(description: "no values (or the wrong number) for source \(n)")
        }
        out = [s]
      case .constant(let c):
        out = [Array(repeating: Double(c), count: count(r[0]))]

      case .matmul(let ta, let tb):
        let (ar, ac) = matrix(o[0])
        let (br, bc) = matrix(o[1])
        let a = value(o[0])
        let b = value(o[1])
        let (m, k) = ta ? (ac, ar) : (ar, ac)
        let n = tb ? br : bc
        func A(_ i: Int, _ l: Int) -> Double { ta ? a[l * ac + i] : a[i * ac + l] }
        func B(_ l: Int, _ j: Int) -> Double { tb ? b[j * bc + l] : b[l * bc + j] }
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for l in 0..<k { s += A(i, l) * B(l, j) }
            c[i * n + j] = s
          }
        }
        out = [c]
      case .dense(let act):
        let (m, k) = matrix(o[0])
        let n = shape(o[1])[1]
        let x = value(o[0])
        let w = value(o[1])
        let bias = o.count > 2 ? value(o[2]) : [Double](repeating: 0, count: n)
        var y = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for l in 0..<k { s += x[i * k + l] * w[l * n + j] }
            y[i * n + j] = activate(act, s + bias[j])
          }
        }
        out = [y]
      case .addBias:
        let (rows, cols) = matrix(o[0])
        let x = value(o[0])
        let b = value(o[1])
        out = [(0..<(rows * cols)).map { x[$0] + b[$0 % cols] }]
      case .sumRows:
        out = [sumRows(value(o[0]), matrix(o[0]))]

      case .activation(let a):
        out = [value(o[0]).map { activate(a, $0) }]
      case .activationGrad(let a):
        out = [zip(value(o[0]), value(o[1])).map { activationGrad(a, dy: $0, y: $1) }]
      case .activationGradSumRows(let a):
        let dz = zip(value(o[0]), value(o[1])).map { activationGrad(a, dy: $0, y: $1) }
        out = [dz, sumRows(dz, matrix(o[0]))]
      case .unary(let f):
        out = [value(o[0]).map { unary(f, $0) }]
      case .unaryGrad(let f):
        let (dy, x, y) = (value(o[0]), value(o[1]), value(o[2]))
        out = [(0..<dy.count).map { dy[$0] * unaryDerivative(f, x: x[$0], y: y[$0]) }]
      case .binary(let f):
        let a = value(o[0])
        let b = value(o[1])
        let n = count(r[0])
        out = [(0..<n).map { i in binary(f, a.count == 1 ? a[0] : a[i], b.count == 1 ? b[0] : b[i]) }]
      case .scale(let c):
        out = [value(o[0]).map { Double(c) * $0 }]

      case .concat(let axis):
        // Plain index arithmetic per output element, independent of the runtime's row trick.
        let outShape = shape(r[0])
        let a = axis < 0 ? outShape.count + axis : axis
        var y = [Double](repeating: 0, count: count(r[0]))
        for i in y.indices {
          var idx = unravel(i, outShape)
          var k = 0
          while idx[a] >= shape(o[k])[a] {
            idx[a] -= shape(o[k])[a]
            k += 1
          }
          y[i] = value(o[k])[ravel(idx, shape(o[k]))]
        }
        out = [y]
      case .slice(let axis, let start, _):
        let outShape = shape(r[0])
        let a = axis < 0 ? outShape.count + axis : axis
        let x = value(o[0])
        out = [
          (0..<count(r[0])).map { i in
            var idx = unravel(i, outShape)
            idx[a] += start
            return x[ravel(idx, shape(o[0]))]
          }
        ]
      case .padSlice(let axis, let start, _):
        let outShape = shape(r[0])
        let a = axis < 0 ? outShape.count + axis : axis
        let x = value(o[0])
        var y = [Double](repeating: 0, count: count(r[0]))
        for i in x.indices {
          var idx = unravel(i, shape(o[0]))
          idx[a] += start
          y[ravel(idx, outShape)] = x[i]
        }
        out = [y]
      case .reshape:
        out = [value(o[0])]
      case .oneHot(let k):
        let labels = value(o[0])
        var y = [Double](repeating: 0, count: labels.count * k)
        for (i, l) in labels.enumerated() {
          // Rounded, so the encoding is locally constant in the label (derivative 0).
          let c = Int(l.rounded())
          guard c >= 0 && c < k else { throw Failure(description: "label \(l) outside 0..<\(k)") }
          y[i * k + c] = 1
        }
        out = [y]

      case .sum:
        out = [[value(o[0]).reduce(0, +)]]
      case .mean:
        let x = value(o[0])
        out = [[x.reduce(0, +) / Double(x.count)]]
      case .broadcast:
        out = [Array(repeating: value(o[0])[0], count: count(r[0]))]
      case .reduceAxis(let kind, let axis):
        let inShape = shape(o[0])
        let a = axis < 0 ? inShape.count + axis : axis
        let x = value(o[0])
        var y = [Double](repeating: 0, count: count(r[0]))
        for i in x.indices {
          var idx = unravel(i, inShape)
          idx.remove(at: a)
          y[ravel(idx, shape(r[0]))] += x[i]
        }
        switch kind {
        case .sum: out = [y]
        case .mean: out = [y.map { $0 / Double(inShape[a]) }]
        case .max:
          var m = [Double](repeating: -.infinity, count: count(r[0]))
          for i in x.indices {
            var idx = unravel(i, inShape)
            idx.remove(at: a)
            let j = ravel(idx, shape(r[0]))
            m[j] = Swift.max(m[j], x[i])
          }
          out = [m]
        }
      case .maxMask(let axis):
        let inShape = shape(o[0])
        let a = axis < 0 ? inShape.count + axis : axis
        let (x, m) = (value(o[0]), value(o[1]))
        var y = [Double](repeating: 0, count: x.count)
        var taken = Set<Int>()
        for i in x.indices {
          var idx = unravel(i, inShape)
          idx.remove(at: a)
          let j = ravel(idx, shape(o[1]))
          if x[i] == m[j], !taken.contains(j) {
            y[i] = 1
            taken.insert(j)
          }
        }
        out = [y]
      case .broadcastAxis(let axis, _):
        let outShape = shape(r[0])
        let a = axis < 0 ? outShape.count + axis : axis
        let x = value(o[0])
        out = [
          (0..<count(r[0])).map { i in
            var idx = unravel(i, outShape)
            idx.remove(at: a)
            return x[ravel(idx, shape(o[0]))]
          }
        ]

      case .conv(let geo):
        out = [referenceConv(value(o[0]), shape(o[0]), value(o[1]), shape(o[1]), geo, small: shape(r[0]))]
      case .convTranspose(let geo):
        out = [referenceConvTranspose(value(o[0]), shape(o[0]), value(o[1]), geo, large: shape(r[0]))]
      case .convFilterGrad(let geo):
        out = [referenceConvFilterGrad(value(o[0]), shape(o[0]), value(o[1]), shape(o[1]), geo)]
      case .softmax:
        let (rows, cols) = matrix(o[0])
        let x = value(o[0])
        var y = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
          let row = x[(r * cols)..<((r + 1) * cols)]
          let top = row.max()!
          let e = row.map { Foundation.exp($0 - top) }
          let total = e.reduce(0, +)
          for j in 0..<cols { y[r * cols + j] = e[j] / total }
        }
        out = [y]
      case .argmax:
        let (rows, cols) = matrix(o[0])
        let x = value(o[0])
        out = [
          (0..<rows).map { r in
            let row = Array(x[(r * cols)..<((r + 1) * cols)])
            return Double(row.firstIndex(of: row.max()!)!)
          }
        ]
      case .transpose(let p):
        let inShape = shape(o[0])
        let outShape = p.map { inShape[$0] }
        let x = value(o[0])
        out = [
          (0..<x.count).map { i in
            let outIndex = unravel(i, outShape)
            var inIndex = [Int](repeating: 0, count: p.count)
            for (k, a) in p.enumerated() { inIndex[a] = outIndex[k] }
            return x[ravel(inIndex, inShape)]
          }
        ]
      case .updateState:
        out = [[0]]  // the state's update is the runtime's business; the value is a placeholder
      case .dropoutMask(let rate):
        out = [value(o[0]).map { $0 >= Double(rate) ? 1 / (1 - Double(rate)) : 0 }]
      case .accuracy:
        let (p, t) = (value(o[0]), value(o[1]))
        out = [[Double(zip(p, t).filter { ($0 > 0) == ($1 > 0.5) }.count) / Double(p.count)]]
      case .loss(let f):
        out = [[lossValue(f, value(o[0]), value(o[1]))]]
      case .lossGrad(let f):
        out = [lossGradient(f, value(o[0]), value(o[1]))]
      case .lossWithGrad(let f):
        out = [[lossValue(f, value(o[0]), value(o[1]))], lossGradient(f, value(o[0]), value(o[1]))]

      case .stopGradient:
        out = [frozen[r[0].index] ?? value(o[0])]
      }
      for (id, x) in zip(r, out) {
        guard x.count == count(id) else {
          throw Failure(description: "\(inst.op.mnemonic) made \(x.count) elements for \(id) of shape \(shape(id))")
        }
        v[id.index] = x
      }
    }
    return v
  }

  /// The values of the graph's outputs by name.
  static func outputs(_ g: Graph, sources: [String: [Double]], frozen: [Int: [Double]] = [:]) throws -> [String:
    [Double]]
  {
    let v = try evaluate(g, sources: sources, frozen: frozen)
    var out: [String: [Double]] = [:]
    for (name, id) in g.outputs { out[name] = v[id.index] }
    return out
  }

  // MARK: Scalar formulas

  static func sumRows(_ x: [Double], _ rc: (Int, Int)) -> [Double] {
    var s = [Double](repeating: 0, count: rc.1)
    for r in 0..<rc.0 {
      for c in 0..<rc.1 { s[c] += x[r * rc.1 + c] }
    }
    return s
  }

  static func activate(_ a: Activation, _ x: Double) -> Double {
    switch a {
    case .identity: x
    case .relu: max(x, 0)
    case .leakyRelu(let s): x < 0 ? Double(s) * x : x
    case .tanh: Foundation.tanh(x)
    case .sigmoid: 1 / (1 + Foundation.exp(-x))
    }
  }

  static func activationGrad(_ a: Activation, dy: Double, y: Double) -> Double {
    switch a {
    case .identity: dy
    case .relu: y > 0 ? dy : 0
    case .leakyRelu(let s): y > 0 ? dy : Double(s) * dy
    case .tanh: dy * (1 - y * y)
    case .sigmoid: dy * y * (1 - y)
    }
  }

  static func unary(_ f: UnaryFunction, _ x: Double) -> Double {
    switch f {
    case .negate: -x
    case .exp: Foundation.exp(x)
    case .log: Foundation.log(x)
    case .sqrt: x.squareRoot()
    case .abs: Swift.abs(x)
    case .square: x * x
    }
  }

  static func unaryDerivative(_ f: UnaryFunction, x: Double, y: Double) -> Double {
    switch f {
    case .negate: -1
    case .exp: y
    case .log: 1 / x
    case .sqrt: 0.5 / y
    case .abs: x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .square: 2 * x
    }
  }

  static func binary(_ f: BinaryFunction, _ a: Double, _ b: Double) -> Double {
    switch f {
    case .add: a + b
    case .subtract: a - b
    case .multiply: a * b
    case .divide: a / b
    }
  }

  /// The probability clamp of the `bce` loss (Keras's epsilon).
  static let probabilityEpsilon = 1e-7

  /// The mean over elements of the per-element loss; a one-element target is broadcast.
  static func lossValue(_ f: LossFunction, _ p: [Double], _ t: [Double]) -> Double {
    var s = 0.0
    for i in p.indices {
      let x = p[i]
      let y = t.count == 1 ? t[0] : t[i]
      switch f {
      case .bceLogits: s += max(x, 0) - x * y + Foundation.log(1 + Foundation.exp(-Swift.abs(x)))
      case .bce:
        let q = min(max(x, probabilityEpsilon), 1 - probabilityEpsilon)
        s += -(y * Foundation.log(q) + (1 - y) * Foundation.log(1 - q))
      case .mse: s += (x - y) * (x - y)
      case .l1: s += Swift.abs(x - y)
      }
    }
    return s / Double(p.count)
  }

  /// The derivative of `lossValue` with respect to the prediction.
  static func lossGradient(_ f: LossFunction, _ p: [Double], _ t: [Double]) -> [Double] {
    let n = Double(p.count)
    return p.indices.map { i in
      let x = p[i]
      let y = t.count == 1 ? t[0] : t[i]
      switch f {
      case .bceLogits: return (1 / (1 + Foundation.exp(-x)) - y) / n
      case .bce:
        guard x >= probabilityEpsilon && x <= 1 - probabilityEpsilon else { return 0 }
        return (x - y) / (x * (1 - x)) / n
      case .mse: return 2 * (x - y) / n
      case .l1: return (x > y ? 1 : (x < y ? -1 : 0)) / n
      }
    }
  }
}

/// The multi-index of flat row-major position `i` in `shape`.
func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
  var idx = [Int](repeating: 0, count: shape.count)
  var rest = i
  for k in stride(from: shape.count - 1, through: 0, by: -1) {
    idx[k] = rest % shape[k]
    rest /= shape[k]
  }
  return idx
}

/// The flat row-major position of multi-index `idx` in `shape`.
func ravel(_ idx: [Int], _ shape: [Int]) -> Int {
  var i = 0
  for k in shape.indices { i = i * shape[k] + idx[k] }
  return i
}

/// The direct definition of a convolution over NHWC, one multiply-add at a time:
/// `small[n, y, x, o] = Σ large[n, y·s + i − p, x·s + j − p, c] · w[i, j, c, o]`.
func referenceConv(
  _ large: [Double], _ ls: [Int], _ w: [Double], _ ws: [Int], _ g: ConvGeometry, small ss: [Int]
) -> [Double] {
  var out = [Double](repeating: 0, count: ss.reduce(1, *))
  for n in 0..<ss[0] {
    for y in 0..<ss[1] {
      for x in 0..<ss[2] {
        for o in 0..<ss[3] {
          var acc = 0.0
          for i in 0..<g.kernelH {
            for j in 0..<g.kernelW {
              let iy = y * g.strideH + i - g.padH
              let ix = x * g.strideW + j - g.padW
              guard iy >= 0, iy < ls[1], ix >= 0, ix < ls[2] else { continue }
              for c in 0..<ls[3] {
                acc += large[ravel([n, iy, ix, c], ls)] * w[ravel([i, j, c, o], ws)]
              }
            }
          }
          out[ravel([n, y, x, o], ss)] = acc
        }
      }
    }
  }
  return out
}

/// The transposed convolution by its definition: each small-side value spreads through the
/// kernel onto the large side.
func referenceConvTranspose(
  _ small: [Double], _ ss: [Int], _ w: [Double], _ g: ConvGeometry, large ls: [Int]
) -> [Double] {
  let ws = [g.kernelH, g.kernelW, ls[3], ss[3]]
  var out = [Double](repeating: 0, count: ls.reduce(1, *))
  for n in 0..<ss[0] {
    for y in 0..<ss[1] {
      for x in 0..<ss[2] {
        for o in 0..<ss[3] {
          let v = small[ravel([n, y, x, o], ss)]
          for i in 0..<g.kernelH {
            for j in 0..<g.kernelW {
              let iy = y * g.strideH + i - g.padH
              let ix = x * g.strideW + j - g.padW
              guard iy >= 0, iy < ls[1], ix >= 0, ix < ls[2] else { continue }
              for c in 0..<ls[3] { out[ravel([n, iy, ix, c], ls)] += v * w[ravel([i, j, c, o], ws)] }
            }
          }
        }
      }
    }
  }
  return out
}

/// The weights' gradient by its definition: `dw[i, j, c, o] = Σ large[…] · small[…]`.
func referenceConvFilterGrad(
  _ large: [Double], _ ls: [Int], _ small: [Double], _ ss: [Int], _ g: ConvGeometry
) -> [Double] {
  let ws = [g.kernelH, g.kernelW, ls[3], ss[3]]
  var out = [Double](repeating: 0, count: ws.reduce(1, *))
  for n in 0..<ss[0] {
    for y in 0..<ss[1] {
      for x in 0..<ss[2] {
        for i in 0..<g.kernelH {
          for j in 0..<g.kernelW {
            let iy = y * g.strideH + i - g.padH
            let ix = x * g.strideW + j - g.padW
            guard iy >= 0, iy < ls[1], ix >= 0, ix < ls[2] else { continue }
            for c in 0..<ls[3] {
              for o in 0..<ss[3] {
                out[ravel([i, j, c, o], ws)] += large[ravel([n, iy, ix, c], ls)] * small[ravel([n, y, x, o], ss)]
              }
            }
          }
        }
      }
    }
  }
  return out
}
