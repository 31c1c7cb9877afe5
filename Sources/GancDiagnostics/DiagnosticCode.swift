/// A stable identifier for a kind of diagnostic: `E0xxx` for errors, `W0xxx` for warnings.
///
/// Codes never change meaning once published; `ganc explain CODE` prints their page.
/// Ranges: E00xx lexing and syntax, E01xx shapes, E02xx names, E03xx gradient wiring and
/// schedule, E04xx options and values, E05xx data; W00xx unused things and dead training.
public struct DiagnosticCode: Sendable, Hashable, CustomStringConvertible {
  public let id: String
  /// A short title, used as the heading of the `explain` page.
  public let title: String

  public init(_ id: String, _ title: String) {
    self.id = id
    self.title = title
  }

  public var severity: Severity { id.hasPrefix("W") ? .warning : .error }
  public var description: String { id }

  public static func == (a: Self, b: Self) -> Bool { a.id == b.id }
  public func hash(into h: inout Hasher) { h.combine(id) }
}

extension DiagnosticCode {
  // Lexing and syntax.
  public static let invalidCharacter = Self("E0001", "a character that is not part of the language")
  public static let unterminatedString = Self("E0002", "a string without its closing quote")
  public static let invalidNumber = Self("E0003", "a malformed number")
  public static let unexpectedToken = Self("E0010", "a token where something else was expected")
  public static let unclosedDelimiter = Self("E0011", "a bracket or brace that is never closed")
  public static let unknownKeyword = Self("E0012", "a word where a keyword was expected")
  public static let duplicateDeclaration = Self("E0013", "a name declared twice")
  public static let missingDeclaration = Self("E0014", "a required part of the model is missing")

  // Shapes.
  public static let layerInputWidth = Self("E0101", "a layer fed an input of the wrong width")
  public static let shapeMismatch = Self("E0102", "operands of an elementwise op or a loss whose shapes differ")
  public static let wrongArgumentCount = Self("E0103", "a call with the wrong number of arguments")
  public static let netOutputMismatch = Self("E0104", "a network whose body does not give its declared output")
  public static let argumentShape = Self("E0105", "a network argument of the wrong shape")
  public static let notAClassTensor = Self("E0106", "a tensor of class labels where numbers are needed, or the reverse")
  public static let classCountMismatch = Self("E0107", "class labels with a different class count")
  public static let rankMismatch = Self("E0108", "a tensor of the wrong rank")
  public static let batchDimInParameter = Self("E0109", "the batch dimension used to size a parameter")
  public static let notScalar = Self("E0110", "a loss that is not a single number")
  public static let layoutMismatch = Self(
    "E0111", "a reshape, squeeze, concat or sample view whose sizes do not fit")
  public static let convolutionArithmetic = Self(
    "E0112", "a convolution, pooling or upsampling whose sizes do not work out")
  public static let sliceOutOfRange = Self("E0113", "a slice or index outside its axis")
  public static let shiftedSliceMismatch = Self("E0114", "time-shifted slices compared with different lengths")
  public static let notDifferentiable = Self("E0115", "a measurement with no gradient used where training needs one")

  // Names.
  public static let unknownName = Self("E0201", "a name that is not declared")
  public static let unknownLayer = Self("E0202", "a layer or function that does not exist")
  public static let wrongKindOfName = Self("E0203", "a name used as something it is not")
  public static let recursiveNet = Self("E0204", "a network that calls itself")

  // Gradient wiring and schedule.
  public static let lossDoesNotReach = Self("E0301", "a loss that never reaches a network it trains")
  public static let notANetwork = Self("E0302", "a training step with respect to something that is not a network")
  public static let noSteps = Self("E0303", "a training block without steps")

  // Options and values.
  public static let unknownOption = Self("E0401", "an option a layer or setting does not have")
  public static let optionType = Self("E0402", "an option given a value of the wrong type")
  public static let optionRange = Self("E0403", "an option value out of its range")
  public static let missingOption = Self("E0404", "a required option that is missing")
  public static let duplicateOption = Self("E0405", "an option given twice")

  // Data.
  public static let dataColumns = Self("E0501", "data columns that do not fit the input")
  public static let dataFile = Self("E0502", "a data file that cannot be read")

  // Warnings.
  public static let untrainedNetwork = Self("W0001", "a network that no step trains")
  public static let unusedDeclaration = Self("W0002", "a declaration that is never used")

  /// Every code, in order: the list `ganc explain` and its tests go by.
  public static let all: [DiagnosticCode] = [
    invalidCharacter, unterminatedString, invalidNumber, unexpectedToken, unclosedDelimiter, unknownKeyword,
    duplicateDeclaration, missingDeclaration,
    layerInputWidth, shapeMismatch, wrongArgumentCount, netOutputMismatch, argumentShape, notAClassTensor,
    classCountMismatch, rankMismatch, batchDimInParameter, notScalar, layoutMismatch, convolutionArithmetic,
    sliceOutOfRange,
    shiftedSliceMismatch, notDifferentiable,
    unknownName, unknownLayer, wrongKindOfName, recursiveNet,
    lossDoesNotReach, notANetwork, noSteps,
    unknownOption, optionType, optionRange, missingOption, duplicateOption,
    dataColumns, dataFile,
    untrainedNetwork, unusedDeclaration,
  ]

  /// The code spelled `id` (case-insensitive), if there is one.
  public static func named(_ id: String) -> DiagnosticCode? {
    all.first { $0.id == id.uppercased() }
  }
}
