import Foundation
import GancData
import Testing

@Suite struct KeyedCSVTests {
  /// Three pieces of 4, 2 and 1 steps; the key holds strings, one of them quoted.
  static let text = """
    piece,step,a,b
    x1,0,60,64
    x1,1,62,65

    x1,2,64,67
    x1,3,65,69
    "y 2",0,50,0
    "y 2",1,52,55
    z,0,70,72
    """

  @Test func groupsConsecutiveRowsByStringKeys() throws {
    let csv = try KeyedCSV(text: Self.text, path: "pieces.csv")
    #expect(csv.columnNames == ["piece", "step", "a", "b"])
    #expect(csv.rowCount == 7)
    let groups = try csv.groups(key: "piece")
    #expect(groups.map(\.key) == ["x1", "y 2", "z"])
    #expect(groups.map(\.rows) == [0..<4, 4..<6, 6..<7])
    #expect(groups.map(\.line) == [2, 7, 9])  // file lines, the blank line 4 counted
    #expect(try csv.strings(column: "piece") == ["x1", "x1", "x1", "x1", "y 2", "y 2", "z"])
    let numbers = try csv.numbers(columns: ["b", "step"])
    #expect(numbers.columnNames == ["b", "step"])
    #expect(numbers.column(0) == [64, 65, 67, 69, 0, 55, 72])
  }

  /// (length, stride, expected rows as (key, first step), kept groups, skipped groups)
  @Test(
    arguments: [
      (2, 1, [("x1", 0), ("x1", 1), ("x1", 2), ("y 2", 0)], 2, 1),
      (2, 2, [("x1", 0), ("x1", 2), ("y 2", 0)], 2, 1),
      (3, 1, [("x1", 0), ("x1", 1)], 1, 2),
      (1, 3, [("x1", 0), ("x1", 3), ("y 2", 0), ("z", 0)], 3, 0),
      (5, 1, [], 0, 3),
    ] as [(Int, Int, [(String, Int)], Int, Int)])
  func cutsSequencesWithinGroups(length: Int, stride: Int, expected: [(String, Int)], kept: Int, skipped: Int) throws {
    let csv = try KeyedCSV(text: Self.text)
    let result = try csv.keyedSequences(key: "piece", columns: ["a", "b"], length: length, stride: stride)
    #expect(result.keptGroups.count == kept && result.skippedGroups.count == skipped)
    #expect(result.rowKeys == expected.map(\.0))
    #expect(result.table.rowCount == expected.count && result.table.columnCount == 2 * length)
    // Rebuild each expected row from the raw rows of its piece, time-major.
    let rows: [String: [[Float]]] = [
      "x1": [[60, 64], [62, 65], [64, 67], [65, 69]], "y 2": [[50, 0], [52, 55]], "z": [[70, 72]],
    ]
    for (i, (key, start)) in expected.enumerated() {
      #expect(Array(result.table.row(i)) == rows[key]![start..<start + length].flatMap { $0 })
    }
    #expect(try csv.sequences(key: "piece", columns: ["a", "b"], length: length, stride: stride) == result.table)
  }

  @Test func timeMajorColumnNames() throws {
    let table = try KeyedCSV(text: Self.text).sequences(key: "piece", columns: ["b", "a"], length: 2, stride: 2)
    #expect(table.columnNames == ["b[0]", "a[0]", "b[1]", "a[1]"])
    #expect(Array(table.row(0)) == [64, 60, 65, 62])
  }

  @Test func aKeyThatReturnsStartsANewGroup() throws {
    let csv = try KeyedCSV(text: "k,v\na,1\na,2\nb,3\na,4\n")
    #expect(try csv.groups(key: "k").map(\.key) == ["a", "b", "a"])
    #expect(try csv.sequences(key: "k", columns: ["v"], length: 2, stride: 1).values == [1, 2])
  }

  /// Bad input and the exact error it must produce.
  @Test(
    arguments: [
      ("piece,a\nx,1\n", "sopran", 1, "line 1: no column named `sopran` (the columns are `piece`, `a`)", 1, nil),
      (
        "piece,soprano\nx,1\n", "Sopran", 1,
        "line 1: no column named `Sopran`; did you mean `soprano`? (the columns are `piece`, `soprano`)", 1, nil
      ),
      ("\npiece,a\nx,1\nx,2\ny,q\n", "a", 1, "line 5, field 2: `q` is not a number", 5, 2),
      ("piece,a\nx,1\n,2\n", "a", 1, "line 3, field 1: empty key in column `piece`", 3, 1),
      ("piece,a\nx,1\n", "a", 0, "a sequence needs a length of at least 1, got 0", nil, nil),
    ] as [(String, String, Int, String, Int?, Int?)])
  func rejectsBadInput(text: String, column: String, length: Int, message: String, line: Int?, field: Int?) {
    #expect(throws: DataError(message, path: "p.csv", line: line, field: field)) {
      try KeyedCSV(text: text, path: "p.csv").sequences(key: "piece", columns: [column], length: length, stride: 1)
    }
  }

  @Test(
    arguments: [
      ("1,2\n3,4\n", "line 1 looks like data, but a keyed CSV file needs a header naming its columns", 1, nil),
      ("a,b,a\n1,2,3\n", "line 1, field 3: column `a` is named twice (fields 1 and 3)", 1, 3),
      ("a,,c\n1,2,3\n", "line 1, field 2: empty column name", 1, 2),
      ("a,b\n1,2\n3\n", "line 3 has 1 field but the header (line 1) has 2", 3, nil),
      ("\n\n", "the file is empty", nil, nil),
    ] as [(String, String, Int?, Int?)])
  func rejectsBadFiles(text: String, message: String, line: Int?, field: Int?) {
    #expect(throws: DataError(message, path: "p.csv", line: line, field: field)) {
      try KeyedCSV(text: text, path: "p.csv")
    }
  }

  @Test func realChorales() throws {
    let path = try requireSharedData("bach_chorales.csv")
    let csv = try KeyedCSV(path: path)
    #expect(csv.columnNames == ["chorale", "step", "soprano", "alto", "tenor", "bass"])
    #expect(csv.rowCount == 34782)

    // Group lengths counted independently, from the text.
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lengths: [(String, Int)] = []
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {  // the file has CRLF line ends
      let key = String(line.prefix { $0 != "," })
      if lengths.last?.0 == key { lengths[lengths.count - 1].1 += 1 } else { lengths.append((key, 1)) }
    }
    #expect(lengths.count == 328)

    let (length, stride) = (32, 16)
    let result = try csv.keyedSequences(
      key: "chorale", columns: ["step", "soprano", "alto", "tenor", "bass"], length: length, stride: stride)
    let expectedRows = lengths.filter { $0.1 >= length }.map { ($0.1 - length) / stride + 1 }.reduce(0, +)
    #expect(result.table.rowCount == expectedRows)
    #expect(result.keptGroups.count == lengths.filter { $0.1 >= length }.count)
    #expect(result.skippedGroups.map(\.key) == lengths.filter { $0.1 < length }.map(\.0))
    #expect(result.table.columnCount == length * 5)

    // Every sequence lies within one chorale: its steps run on by one (each chorale's steps
    // count 0, 1, 2, …), and it starts at a multiple of the stride within its chorale.
    for r in 0..<result.table.rowCount {
      let steps = (0..<length).map { result.table[r, $0 * 5] }
      #expect(steps.first!.truncatingRemainder(dividingBy: Float(stride)) == 0, "row \(r)")
      #expect(zip(steps, steps.dropFirst()).allSatisfy { $1 == $0 + 1 }, "row \(r) (\(result.rowKeys[r]))")
      let pitches = (0..<length).flatMap { t in (1...4).map { result.table[r, t * 5 + $0] } }
      #expect(pitches.allSatisfy { $0 == 0 || (20...100).contains($0) })
    }
    #expect(Set(result.rowKeys) == Set(result.keptGroups.map(\.key)))
  }
}

@Suite struct VocabularyTests {
  @Test func mapsDistinctValuesToSortedIndices() {
    let vocabulary = Vocabulary(values: [64, 60, 0, 64, 72, -0.0, .nan, 60])
    #expect(vocabulary.values == [0, 60, 64, 72])
    #expect(vocabulary.count == 4)
    for (i, v) in vocabulary.values.enumerated() {
      #expect(vocabulary.index(of: v) == i)
      #expect(vocabulary.value(at: i) == v)
    }
    #expect(vocabulary.index(of: 61) == nil)
    #expect(vocabulary.index(of: 100) == nil)
    #expect(vocabulary.index(of: -5) == nil)
    #expect(Vocabulary(values: []).count == 0)
  }

  @Test func encodesAndDecodesChosenColumns() throws {
    let table = Table(rowCount: 2, columnCount: 3, values: [5, 60, 64, 6, 67, 60], columnNames: ["step", "s", "a"])
    let vocabulary = try Vocabulary(table: table, columns: [1, 2])
    #expect(vocabulary.values == [60, 64, 67])
    let encoded = try vocabulary.encode(table, columns: [1, 2])
    #expect(encoded.values == [5, 0, 1, 6, 2, 0])
    #expect(encoded.columnNames == ["step", "s", "a"])
    #expect(try vocabulary.decode(encoded, columns: [1, 2]) == table)

    #expect(throws: DataError("row 0, column step: 5.0 is not in the vocabulary of 3 values")) {
      try vocabulary.encode(table)
    }
    #expect(throws: DataError("row 0, column s: 0.5 is not an index of the vocabulary (0..<3)")) {
      try vocabulary.decode(Table(rowCount: 1, columnCount: 3, values: [0.5, 0, 0], columnNames: ["s", "a", "t"]))
    }
    #expect(throws: DataError("column 3 is outside the table's 3 columns 0..<3")) {
      try vocabulary.encode(table, columns: [3])
    }
  }

  @Test func roundTripsThroughJSONAndRejectsBadLists() throws {
    let vocabulary = Vocabulary(values: [3, 1, 2])
    let json = try JSONEncoder().encode(vocabulary)
    #expect(try JSONDecoder().decode(Vocabulary.self, from: json) == vocabulary)
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Vocabulary.self, from: Data(#"{"values":[2,1]}"#.utf8))
    }
  }

  @Test func choralePitches() throws {
    let csv = try KeyedCSV(path: requireSharedData("bach_chorales.csv"))
    let voices = ["soprano", "alto", "tenor", "bass"]
    let pitches = try csv.numbers(columns: voices)
    let vocabulary = try Vocabulary(table: pitches)
    #expect(vocabulary.values.first == 0)  // the rest
    #expect(vocabulary.count > 30 && vocabulary.count < 60)
    let ids = try vocabulary.encode(pitches)
    #expect(ids.values.allSatisfy { $0 >= 0 && $0 < Float(vocabulary.count) && $0 == $0.rounded() })
    #expect(try vocabulary.decode(ids) == pitches)

    let sequences = try csv.sequences(key: "chorale", columns: voices, length: 16, stride: 16)
    let encoded = try vocabulary.encode(sequences)
    #expect(encoded.rowCount == sequences.rowCount && Set(encoded.values).count <= vocabulary.count)
  }
}
