import Foundation
import Testing

@testable import GancDriver

/// Every shipped model trains end to end at a reduced size: a batch of 4, two iterations
/// per phase, one sample grid. What each writes must be there and its losses finite.
@Suite("every shipped model trains at a reduced size", .serialized)
struct ModelTrainingTests {
  static let models: [String] = {
    let dir = repositoryRoot + "/models"
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".gan") }.sorted()
  }()

  /// The model's text with a small batch, short phases and small sample sets.
  static func reduced(_ text: String) -> String {
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var l = String(line)
      let trimmed = l.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("batch ") {
        l = "batch B = 4"
      } else if trimmed.hasPrefix("steps ") {
        l = "  steps 2"
      } else if trimmed.hasPrefix("log every") {
        l = "  log every 1"
      } else if trimmed.hasPrefix("sample ") {
        l =
          l.contains("count ")
          ? l.replacingOccurrences(of: #"count \d+"#, with: "count 8", options: .regularExpression)
          : l.replacingOccurrences(of: #"(every \d+)"#, with: "$1 count 8", options: .regularExpression)
      } else if trimmed.hasPrefix("data moving") {
        l = l.replacingOccurrences(of: #"count: \d+"#, with: "count: 40", options: .regularExpression)
      } else if trimmed.hasPrefix("data sines") {
        l = l.replacingOccurrences(of: #"count: \d+"#, with: "count: 40", options: .regularExpression)
      }
      lines.append(l)
    }
    return lines.joined(separator: "\n")
  }

  @Test func everyModelIsCovered() {
    #expect(Self.models.count >= 10, "found \(Self.models)")
  }

  @Test(arguments: models)
  func trainsAtAReducedSize(_ name: String) throws {
    let dir = ScratchDirectory()
    let original = try String(contentsOfFile: repositoryRoot + "/models/" + name, encoding: .utf8)
    // In a scratch directory, with the data paths made absolute.
    let text = Self.reduced(original).replacingOccurrences(of: "\"data/", with: "\"\(repositoryRoot)/models/data/")
    let path = dir.write(name, text)

    let r = ganc("train", path, "--out", dir.file("run"), "--quiet", "--threads", "1")
    #expect(r.status == 0, "\(name): \(r.err)")
    guard r.status == 0 else { return }
    #expect(dir.exists("run/checkpoint.ganc"))
    #expect(dir.exists("run/model.gan"))
    let metrics = dir.read("run/metrics.csv").split(separator: "\n")
    #expect(metrics.count >= 3, "\(name): \(metrics)")
    for row in metrics.dropFirst() {
      for field in row.split(separator: ",", omittingEmptySubsequences: false).dropFirst(2) where !field.isEmpty {
        #expect(Double(field)?.isFinite == true, "\(name): \(row)")
      }
    }
    #expect(dir.exists("run/samples.csv"), "\(name) wrote no samples")
    let samples = dir.read("run/samples.csv").split(separator: "\n")
    #expect(samples.count == 1 + 8, "\(name): \(samples.count) lines of samples")
    if original.contains("as image(") { #expect(dir.exists("run/samples.png")) }
    if original.contains("as scatter") { #expect(dir.exists("run/samples.png")) }
    if original.contains("as series") { #expect(dir.exists("run/samples.svg")) }
  }
}
