import GancSource

/// How bad a diagnostic is. Errors stop `ganc train`; warnings do not.
public enum Severity: String, Sendable, Hashable, Comparable {
  case error
  case warning
  case note

  public static func < (a: Severity, b: Severity) -> Bool {
    let order: [Severity] = [.note, .warning, .error]
    return order.firstIndex(of: a)! < order.firstIndex(of: b)!
  }
}

/// A source range with something to say about it.
public struct Label: Sendable, Hashable {
  public var range: SourceRange
  public var message: String

  public init(_ range: SourceRange, _ message: String = "") {
    self.range = range
    self.message = message
  }
}

/// One problem found in a source file, as data; rendering is the job of `DiagnosticRenderer`.
///
/// The primary label is where the problem is; secondary labels are the other sites involved
/// (where a disagreeing shape was declared, where a bracket was opened). Notes give context
/// (dimension bindings); `help` says how to fix it when a fix is known.
public struct Diagnostic: Sendable, Hashable {
  public var code: DiagnosticCode
  public var severity: Severity
  public var message: String
  public var primary: Label
  public var secondary: [Label]
  public var notes: [String]
  public var help: String?

  public init(
    _ code: DiagnosticCode, _ message: String, at primary: Label, secondary: [Label] = [],
    notes: [String] = [], help: String? = nil
  ) {
    self.code = code
    self.severity = code.severity
    self.message = message
    self.primary = primary
    self.secondary = secondary
    self.notes = notes
    self.help = help
  }

  public init(
    _ code: DiagnosticCode, _ message: String, at range: SourceRange, label: String = "",
    secondary: [Label] = [], notes: [String] = [], help: String? = nil
  ) {
    self.init(code, message, at: Label(range, label), secondary: secondary, notes: notes, help: help)
  }
}

/// Collects diagnostics in the order they are found; a stage appends, the driver renders.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func append(_ d: Diagnostic) { diagnostics.append(d) }
  public mutating func append(contentsOf ds: [Diagnostic]) { diagnostics.append(contentsOf: ds) }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var errorCount: Int { diagnostics.count { $0.severity == .error } }
  public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

  /// Diagnostics ordered by position, errors before warnings at the same position.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      if a.element.primary.range.start != b.element.primary.range.start {
        return a.element.primary.range.start < b.element.primary.range.start
      }
      return a.offset < b.offset
    }.map(\.element)
  }
}
