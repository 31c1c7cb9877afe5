import Foundation
import GancData
import GancRuntime
import Testing

@Suite struct SinesTests {
  @Test(arguments: [(50, 24, 5), (7, 1, 1), (3, 100, 2), (0, 24, 5)])
  func shapeRangeAndRecipe(count: Int, length: Int, features: Int) {
    var rng = RandomStream(seed: 11, name: "sines")
    let table = Sines.generate(count: count, length: length, features: features, rng: &rng)
    #expect(table.rowCount == count && table.columnCount == length * features)
    #expect(table.values.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(rng.counter == UInt64(2 * count * features))

    // Replay the draws and rebuild every value from TimeGAN's formula.
    var replay = RandomStream(seed: 11, name: "sines")
    for s in 0..<count {
      for k in 0..<features {
        let f = Double(replay.nextUniform()) * 0.1
        let p = Double(replay.nextUniform()) * 0.1
        #expect(f >= 0 && f < 0.1 && p >= 0 && p < 0.1)
        for t in 0..<length {
          let expected = Float((sin(f * Double(t) + p) + 1) / 2)
          #expect(table[s, t * features + k] == expected, "sequence \(s), step \(t), feature \(k)")
        }
      }
    }
  }

  @Test func statisticsAndDeterminism() {
    var a = RandomStream(seed: 5, name: "sines")
    var b = RandomStream(seed: 5, name: "sines")
    var c = RandomStream(seed: 6, name: "sines")
    let table = Sines.generate(count: 500, rng: &a)
    #expect(table.rowCount == 500 && table.columnCount == 24 * 5)
    #expect(Sines.generate(count: 500, rng: &b) == table)
    #expect(Sines.generate(count: 500, rng: &c) != table)
    // With f, p < 0.1 and t < 24 the angle stays in [0, 2.4), so x = (sin + 1)/2 is in [0.5, 1]:
    // the first step is (sin p + 1)/2 < 0.55, and the data reach close to 1.
    #expect(table.values.allSatisfy { $0 >= 0.5 && $0 <= 1 })
    let firstSteps = (0..<500).flatMap { r in (0..<5).map { table[r, $0] } }
    #expect(firstSteps.allSatisfy { $0 < 0.55 })
    #expect(table.values.max()! > 0.99)
    let mean = table.values.reduce(0, +) / Float(table.values.count)
    #expect(mean > 0.72 && mean < 0.77)  // about 0.747 for this recipe
  }
}

@Suite struct MovingDigitsTests {
  /// Checks one example against its motion: every frame is background −1 except the digit,
  /// scaled to −1…1, at the motion's position; and the positions follow the velocity,
  /// reflecting at the edges.
  func check(
    row: ArraySlice<Float>, motion: MovingDigits.Motion, frames: Int, canvas: Int, digits: Table
  ) {
    #expect(motion.positions.count == frames + 1)
    #expect(abs(motion.velocity.x) <= 2 && abs(motion.velocity.y) <= 2)
    #expect(motion.velocity != MovingDigits.Point(x: 0, y: 0))
    let limit = canvas - 8
    var v = (motion.velocity.x, motion.velocity.y)
    for (f, p) in motion.positions.enumerated() {
      #expect((0...limit).contains(p.x) && (0...limit).contains(p.y))
      if f > 0 {
        let q = motion.positions[f - 1]
        for axis in 0..<2 {
          let (from, to) = axis == 0 ? (q.x, p.x) : (q.y, p.y)
          var velocity = axis == 0 ? v.0 : v.1
          let free = from + velocity
          if (0...limit).contains(free) {
            #expect(to == free, "frame \(f): moves by its velocity")
          } else {
            #expect(to == (free < 0 ? -free : 2 * limit - free), "frame \(f): reflects at the edge")
            velocity = -velocity
          }
          if axis == 0 { v.0 = velocity } else { v.1 = velocity }
        }
      }
      for r in 0..<canvas {
        for c in 0..<canvas {
          let value = row[row.startIndex + (f * canvas + r) * canvas + c]
          let inside = (p.y..<p.y + 8).contains(r) && (p.x..<p.x + 8).contains(c)
          let expected = inside ? digits[motion.digit, (r - p.y) * 8 + (c - p.x)] / 8 - 1 : -1
          if value != expected {
            Issue.record("frame \(f), pixel (\(r), \(c)): \(value), expected \(expected)")
            return
          }
        }
      }
    }
  }

  @Test(arguments: [(5, 16), (1, 10), (10, 12), (3, 28)])
  func framesFollowTheMotion(frames: Int, canvas: Int) throws {
    let digits = try loadDigits()
    var rng = RandomStream(seed: 3, name: "moving")
    let (table, motions) = try MovingDigits.generateWithMotions(
      count: 40, frames: frames, canvas: canvas, digits: digits, rng: &rng)
    #expect(table.rowCount == 40 && table.columnCount == (frames + 1) * canvas * canvas)
    #expect(motions.count == 40)
    #expect(table.values.allSatisfy { $0 >= -1 && $0 <= 1 })
    for (i, motion) in motions.enumerated() {
      check(row: table.row(i), motion: motion, frames: frames, canvas: canvas, digits: digits)
    }
    // Some digits bounce in 40 examples of 5+ frames on small canvases.
    if frames >= 5 && canvas <= 16 {
      let bounced = motions.contains { m in
        zip(m.positions, m.positions.dropFirst()).contains { a, b in
          b.x - a.x != m.velocity.x || b.y - a.y != m.velocity.y
        }
      }
      #expect(bounced)
    }
  }

  @Test func deterministicPerSeedAndVaried() throws {
    let digits = try loadDigits()
    func make(_ seed: UInt64) throws -> Table {
      var rng = RandomStream(seed: seed, name: "moving")
      return try MovingDigits.generate(count: 200, frames: 4, canvas: 16, digits: digits, rng: &rng)
    }
    let table = try make(1)
    #expect(try make(1) == table)
    #expect(try make(2) != table)
    var rng = RandomStream(seed: 1, name: "moving")
    let motions = try MovingDigits.generateWithMotions(count: 200, frames: 4, canvas: 16, digits: digits, rng: &rng)
    #expect(motions.table == table)
    #expect(Set(motions.motions.map(\.velocity)).count == 24, "all 24 velocities occur")
    #expect(Set(motions.motions.map(\.positions[0])).count > 30)
  }

  @Test func bouncesAtTheEdges() {
    let path = MovingDigits.positions(
      start: .init(x: 1, y: 7), velocity: .init(x: -2, y: 2), frames: 5, canvas: 16)
    #expect(path.map(\.x) == [1, 1, 3, 5, 7])
    #expect(path.map(\.y) == [7, 7, 5, 3, 1])
  }

  @Test(
    arguments: [
      (1, 1, 9, 64, 0, "moving digits need a canvas of at least 10 pixels, got 9"),
      (1, 0, 16, 64, 0, "moving digits need at least 1 input frame, got 0"),
      (-1, 1, 16, 64, 0, "moving digits need a count of at least 0, got -1"),
      (1, 1, 16, 10, 0, "moving digits need 8 × 8 digit images (64 columns), but the table has 10"),
      (1, 1, 16, 64, 17, "digit row 1, column 1: 17.0 is outside the pixel range 0…16"),
      (1, 1, 16, 64, -1, "digit row 1, column 1: -1.0 is outside the pixel range 0…16"),
    ])
  func rejectsBadArguments(count: Int, frames: Int, canvas: Int, columns: Int, firstPixel: Float, message: String) {
    var values = [Float](repeating: 0, count: columns)
    values[0] = firstPixel
    let digits = Table(rowCount: 1, columnCount: columns, values: values)
    var rng = RandomStream(seed: 1, name: "moving")
    #expect(throws: DataError(message)) {
      try MovingDigits.generate(count: count, frames: frames, canvas: canvas, digits: digits, rng: &rng)
    }
    let empty = Table(rowCount: 0, columnCount: 64, values: [])
    #expect(throws: DataError("moving digits need at least one digit, but the table is empty")) {
      try MovingDigits.generate(count: 1, frames: 1, canvas: 16, digits: empty, rng: &rng)
    }
  }
}
