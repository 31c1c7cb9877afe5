import Foundation
import GancData
import GancRuntime
import Testing

@Suite struct CSVReaderTests {
  @Test func parsesNumbersWithoutHeader() throws {
    let table = try Table(csv: "1,2,3\n4.5,-6,7e-1\n")
    #expect(table.rowCount == 2)
    #expect(table.columnCount == 3)
    #expect(table.values == [1, 2, 3, 4.5, -6, 0.7])
    #expect(table.columnNames == nil)
    #expect(table[1, 1] == -6)
    #expect(Array(table.row(1)) == [4.5, -6, 0.7])
    #expect(table.column(2) == [3, 0.7])
  }

  @Test func detectsHeader() throws {
    let table = try Table(csv: "x, \"y\" ,z\n1,2,3\n")
    #expect(table.columnNames == ["x", "y", "z"])
    #expect(table.rowCount == 1)
    #expect(table.columnIndex(named: "z") == 2)
  }

  @Test func headerNeedsOnlyOneNonNumericField() throws {
    let table = try Table(csv: "0,1,label\n5,6,7\n")
    #expect(table.columnNames == ["0", "1", "label"])
    #expect(table.values == [5, 6, 7])
  }

  @Test func explicitHeaderModes() throws {
    let present = try Table(csv: "1,2\n3,4\n", header: .present)
    #expect(present.columnNames == ["1", "2"])
    #expect(present.values == [3, 4])
    // With .absent a non-numeric first row is data, so it is an error rather than names.
    #expect(throws: DataError("line 1, field 1: `a` is not a number", line: 1, field: 1)) {
      try Table(csv: "a,b\n1,2\n", header: .absent)
    }
  }

  @Test func acceptsCRLFBlankLinesSpacesAndBOM() throws {
    let text = "\u{FEFF}a,b\r\n\r\n 1 ,\t2\r\n   \n3,4"
    let table = try Table(csv: text)
    #expect(table.columnNames == ["a", "b"])
    #expect(table.values == [1, 2, 3, 4])
  }

  @Test func singleColumnAndExtremeButValidNumbers() throws {
    let table = try Table(csv: "mv\n-0.0\n3.4028235e38\n1e-50\n.5\n5.\n+2E+3\n")
    #expect(table.columnCount == 1)
    #expect(table.values == [0, .greatestFiniteMagnitude, 0, 0.5, 5, 2000])
  }

  /// Each bad input with the exact message and location it must produce.
  @Test(
    arguments: [
      ("1,2\n3,abc\n", "line 2, field 2: `abc` is not a number", 2, 2),
      ("1,2\n\n3\n", "line 3 has 1 field but line 1 has 2", 3, nil),
      ("a,b,c\n1,2,3\n4,5\n", "line 3 has 2 fields but line 1 has 3", 3, nil),
      ("1,2\r\n3,4,5\r\n", "line 2 has 3 fields but line 1 has 2", 2, nil),
      ("", "the text is empty", nil, nil),
      ("\n \n\r\n", "the text is empty", nil, nil),
      ("a,b\n\n", "line 1 is a header but no data rows follow", 1, nil),
      ("1,nan\n", "line 1, field 2: `nan` is not a finite number", 1, 2),
      ("x\n1\n-Infinity\n", "line 3, field 1: `-Infinity` is not a finite number", 3, 1),
      ("1,2\n3,1e39\n", "line 2, field 2: `1e39` is too large for a 32-bit float", 2, 2),
      (
        "1,2\n3,-99999999999999999999999999999999999999999\n",
        "line 2, field 2: `-999999999999999999999999999999999999999…` is too large for a 32-bit float", 2, 2
      ),
      ("1,2\n3,-1e40\n", "line 2, field 2: `-1e40` is too large for a 32-bit float", 2, 2),
      ("1,,2\n", "line 1, field 2: empty field", 1, 2),
      ("1,2,\n", "line 1, field 3: empty field", 1, 3),
      ("1,2\n0x10,3\n", "line 2, field 1: `0x10` is not a number", 2, 1),
      ("1,2\n3,4 5\n", "line 2, field 2: `4 5` is not a number", 2, 2),
      ("1,2\n3,1.2.3\n", "line 2, field 2: `1.2.3` is not a number", 2, 2),
      ("1\n1e\n", "line 2, field 1: `1e` is not a number", 2, 1),
      ("1\n.\n", "line 2, field 1: `.` is not a number", 2, 1),
      ("1\n-\n", "line 2, field 1: `-` is not a number", 2, 1),
      ("1\n\"1\"\n", "line 2, field 1: `\"1\"` is not a number", 2, 1),
      (
        "1\n" + String(repeating: "z", count: 100) + "\n",
        "line 2, field 1: `" + String(repeating: "z", count: 40) + "…` is not a number", 2, 1
      ),
    ] as [(String, String, Int?, Int?)])
  func rejectsBadInput(text: String, message: String, line: Int?, field: Int?) {
    do {
      let table = try Table(csv: text)
      Issue.record("expected an error, got \(table.rowCount) × \(table.columnCount)")
    } catch {
      #expect(error.message == message)
      #expect(error.line == line)
      #expect(error.field == field)
      #expect(error.description == message)  // no path, so nothing is prepended
    }
  }

  @Test func errorDescriptionNamesTheFile() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/bad.csv"
    try Data("1,2\n3,x\n".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: DataError("line 2, field 2: `x` is not a number", path: path, line: 2, field: 2)) {
      try Table(csvAt: path)
    }
    do {
      _ = try Table(csvAt: path)
    } catch {
      #expect(error.description == "\(path): line 2, field 2: `x` is not a number")
    }
  }

  @Test func missingFileAndDirectory() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let missing = dir + "/nope.csv"
    #expect(throws: DataError("file not found: \(missing)", path: missing)) { try Table(csvAt: missing) }
    do {
      _ = try Table(csvAt: missing)
    } catch {
      #expect(error.description == "file not found: \(missing)")
    }
    #expect(throws: DataError("`\(dir)` is a directory, not a file", path: dir)) { try Table(csvAt: dir) }
  }

  @Test func emptyFile() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/empty.csv"
    #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    #expect(throws: DataError("the file is empty", path: path)) { try Table(csvAt: path) }
  }

  /// Random short texts over an alphabet rich in separators and number pieces: parsing must
  /// return a table or an error, never trap, and a table must satisfy its invariants.
  @Test func neverTrapsOnRandomInput() {
    let alphabet = Array("0123456789,,,\n\n\r .-+eEnaif\"x\t".utf8) + [0xFF, 0xEF, 0xBB, 0xBF, 0]
    var rng = RandomStream(seed: 7, name: "csv-fuzz")
    var tables = 0
    for _ in 0..<3000 {
      let length = rng.nextInt(below: 40)
      let bytes = (0..<length).map { _ in alphabet[rng.nextInt(below: alphabet.count)] }
      if let table = try? CSVReader().parse(bytes: bytes) {
        tables += 1
        #expect(table.values.count == table.rowCount * table.columnCount)
        #expect(table.rowCount > 0)
        #expect(table.values.allSatisfy { $0.isFinite })
      }
    }
    #expect(tables > 0)
  }

  /// The reader converts simple decimals itself (Clinger's fast path) and the rest with
  /// `Float(String)`; either way the result must be bit-identical to `Float(String)`.
  @Test func conversionMatchesFloatInitExactly() throws {
    var rng = RandomStream(seed: 12, name: "decimals")
    var texts: [String] = []
    for _ in 0..<20_000 {
      let digits = String((0..<(1 + rng.nextInt(below: 10))).map { _ in Character(String(rng.nextInt(below: 10))) })
      let point = rng.nextInt(below: digits.count + 1)
      var text = (rng.nextInt(below: 2) == 0 ? "-" : "") + digits.prefix(point) + "." + digits.dropFirst(point)
      if text.hasSuffix(".") && rng.nextInt(below: 2) == 0 { text.removeLast() }
      if rng.nextInt(below: 3) == 0 { text += "e\(rng.nextInt(below: 25) - 12)" }
      texts.append(text)
    }
    let table = try Table(csv: texts.joined(separator: "\n"), header: .absent)
    for (text, value) in zip(texts, table.values) {
      #expect(value.bitPattern == Float(text)!.bitPattern, "\(text)")
    }
  }

  @Test func readsTheDigits() throws {
    let digits = try loadDigits()
    #expect(digits.rowCount == 1797)
    #expect(digits.columnCount == 65)
    #expect(digits.columnNames == nil)
    #expect(digits.values.allSatisfy { $0 >= 0 && $0 <= 16 && $0 == $0.rounded() })
    #expect(Set(digits.column(64)) == Set((0...9).map(Float.init)))
  }
}
