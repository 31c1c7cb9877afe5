import GancDiagnostics

/// One option of a command: its spelling, whether it takes a value, and its help line.
public struct OptionDefinition: Sendable {
  public var name: String
  /// The value's placeholder in help (`N`, `DIR`); nil for a flag.
  public var valueName: String?
  public var help: String

  public init(_ name: String, value: String? = nil, _ help: String) {
    self.name = name
    self.valueName = value
    self.help = help
  }

  public var isFlag: Bool { valueName == nil }
}

/// A usage mistake: printed with the command's usage line, exit status 64 (EX_USAGE).
public struct UsageError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// The arguments of one command, after parsing against its option table.
public struct ParsedArguments: Sendable {
  public var positionals: [String] = []
  public var values: [String: String] = [:]
  public var flags: Set<String> = []

  public func value(_ name: String) -> String? { values[name] }
  public func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// The value of `name` as an integer within `range`, or nil when absent.
  public func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
    guard let s = values[name] else { return nil }
    guard let v = Int(s), range.contains(v) else {
      let bound =
        range.lowerBound == Int.min
        ? "" : range.upperBound == Int.max ? " of at least \(range.lowerBound)" : " in \(range)"
      throw UsageError("\(name) takes a whole number\(bound), not `\(s)`")
    }
    return v
  }
}

/// Parses `--name value`, `--name=value` and flags, by a table of options. Anything not
/// starting with `-` is positional; `--` ends options.
public enum ArgumentParser {
  public static func parse(_ args: [String], options: [OptionDefinition]) throws(UsageError) -> ParsedArguments {
    var result = ParsedArguments()
    var i = 0
    var onlyPositionals = false
    while i < args.count {
      let arg = args[i]
      i += 1
      if onlyPositionals || !arg.hasPrefix("-") || arg == "-" {
        result.positionals.append(arg)
        continue
      }
      if arg == "--" {
        onlyPositionals = true
        continue
      }
      var name = arg
      var inlineValue: String?
      if let eq = arg.firstIndex(of: "=") {
        name = String(arg[..<eq])
        inlineValue = String(arg[arg.index(after: eq)...])
      }
      guard let def = options.first(where: { $0.name == name }) else {
        let hint = Suggestions.closest(to: name, among: options.map(\.name)).map { "; did you mean `\($0)`?" } ?? ""
        throw UsageError("unknown option `\(name)`\(hint)")
      }
      if def.isFlag {
        if inlineValue != nil { throw UsageError("\(name) takes no value") }
        result.flags.insert(name)
        continue
      }
      if let v = inlineValue {
        result.values[name] = v
      } else if i < args.count {
        result.values[name] = args[i]
        i += 1
      } else {
        throw UsageError("\(name) needs a value (\(def.valueName!))")
      }
    }
    return result
  }
}
