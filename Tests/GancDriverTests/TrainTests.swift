import Foundation
import Testing

@testable import GancDriver

@Suite("ganc train, sample and resume, end to end")
struct TrainTests {
  @Test func trainsWritesOutputsAndLossesMove() throws {
    let dir = ScratchDirectory()
    let model = dir.write("tiny.gan", tinyConditionalModel)
    dir.write("table.csv", tinyTable)
    let r = ganc("train", model, "--out", dir.file("run"), "--quiet", "--threads", "1")
    #expect(r.status == 0, "\(r.err)")
    for f in [
      "run/metrics.csv", "run/checkpoint.ganc", "run/samples.csv", "run/samples.png", "run/model.gan",
      "run/samples/20.csv", "run/samples/40.png",
    ] {
      #expect(dir.exists(f), "missing \(f)")
    }
    // metrics.csv: a header and a row every 5 iterations, each loss finite.
    let lines = dir.read("run/metrics.csv").split(separator: "\n")
    #expect(lines.first == "iteration,seconds,d,g")
    #expect(lines.count == 1 + 40 / 5)
    let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    #expect(rows.map { Int($0[0]) } == Array(stride(from: 5, through: 40, by: 5)))
    for row in rows { #expect(row[2].isFinite && row[3].isFinite) }
    // The losses move: training changes them between the first and last intervals.
    #expect(abs(rows.first![2] - rows.last![2]) > 1e-4 || abs(rows.first![3] - rows.last![3]) > 1e-4)
    // samples.csv: 9 samples of 6 values and the class, 3 per class in order.
    let samples = dir.read("run/samples.csv").split(separator: "\n")
    #expect(samples.count == 10)
    let classes = samples.dropFirst().map { Int(Double($0.split(separator: ",").last!)!) }
    #expect(classes == [0, 0, 0, 1, 1, 1, 2, 2, 2])
    for s in samples.dropFirst() {
      let v = s.split(separator: ",").dropLast().map { Double($0)! }
      #expect(v.count == 6 && v.allSatisfy { $0 >= -1 && $0 <= 1 })
    }
  }

  @Test func resumingContinuesExactlyLikeAnUninterruptedRun() throws {
    let dir = ScratchDirectory()
    let model = dir.write("tiny.gan", tinyConditionalModel)
    dir.write("table.csv", tinyTable)
    let straight = ganc("train", model, "--out", dir.file("a"), "--quiet", "--threads", "1")
    #expect(straight.status == 0, "\(straight.err)")
    let first = ganc("train", model, "--steps", "15", "--out", dir.file("b"), "--quiet", "--threads", "1")
    #expect(first.status == 0, "\(first.err)")
    let second = ganc("train", model, "--resume", "--out", dir.file("b"), "--quiet", "--threads", "1")
    #expect(second.status == 0, "\(second.err)")
    let a = try Checkpoint.decode(
      Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("a/checkpoint.ganc")))), path: "a")
    let b = try Checkpoint.decode(
      Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("b/checkpoint.ganc")))), path: "b")
    #expect(a.header.iteration == 40 && b.header.iteration == 40)
    // Same seed, same thread count: the resumed run's whole state equals the straight run's.
    #expect(a.values == b.values)
    #expect(dir.read("a/samples.csv") == dir.read("b/samples.csv"))
  }

  @Test func sampleCommandWritesRowsWithClassColumn() throws {
    let dir = ScratchDirectory()
    let model = dir.write("tiny.gan", tinyConditionalModel)
    dir.write("table.csv", tinyTable)
    #expect(ganc("train", model, "--steps", "5", "--out", dir.file("run"), "--quiet").status == 0)
    let r = ganc("sample", model, "--checkpoint", dir.file("run/checkpoint.ganc"), "-n", "12")
    #expect(r.status == 0, "\(r.err)")
    let rows = r.out.split(separator: "\n")
    #expect(rows.count == 12)
    #expect(rows.allSatisfy { $0.split(separator: ",").count == 7 })
    let classes = rows.map { Int(Double($0.split(separator: ",").last!)!) }
    #expect(classes == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    let toFile = ganc(
      "sample", model, "--checkpoint", dir.file("run/checkpoint.ganc"), "-n", "6", "--out", dir.file("s.csv"))
    #expect(toFile.status == 0)
    #expect(dir.exists("s.csv") && dir.exists("s.png"))
  }

  @Test func refusesToOverwriteARunAndExplainsWhy() {
    let dir = ScratchDirectory()
    let model = dir.write("tiny.gan", tinyConditionalModel)
    dir.write("table.csv", tinyTable)
    #expect(ganc("train", model, "--steps", "2", "--out", dir.file("run"), "--quiet").status == 0)
    let again = ganc("train", model, "--steps", "2", "--out", dir.file("run"), "--quiet")
    #expect(again.status == 1)
    #expect(again.err.contains("--resume") && again.err.contains("--force"))
    #expect(ganc("train", model, "--steps", "2", "--out", dir.file("run"), "--quiet", "--force").status == 0)
  }

  @Test func dataThatDoesNotFitIsADiagnosticOnTheModel() {
    let dir = ScratchDirectory()
    let model = dir.write("tiny.gan", tinyConditionalModel)
    dir.write("table.csv", "1,2,3,4,5,6,7\n1,2,3,4,5,6,0\n")  // class 7 is not in 0..<3
    let r = ganc("train", model, "--steps", "2", "--out", dir.file("run"), "--quiet")
    #expect(r.status == 1)
    #expect(r.err.contains("error[E0501]"))
    #expect(r.err.contains("tiny.gan:8:1"))
    let missing = ScratchDirectory()
    let m2 = missing.write("tiny.gan", tinyConditionalModel)
    let r2 = ganc("train", m2, "--steps", "2", "--out", missing.file("run"), "--quiet")
    #expect(r2.status == 1)
    #expect(r2.err.contains("error[E0502]") && r2.err.contains("table.csv"))
  }
}
