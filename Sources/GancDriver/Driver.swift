import GancDiagnostics

/// A subcommand: its name, a one-line summary, its usage and options, and what it does.
struct Command: Sendable {
  var name: String
  var summary: String
  /// The positional part of the usage line, e.g. `FILE.gan`.
  var usage: String
  var details: String = ""
  var options: [OptionDefinition]
  var run: @Sendable (ParsedArguments, Console) throws -> Int32
}

/// Exit statuses, following sysexits(3) where one fits.
public enum ExitStatus {
  public static let success: Int32 = 0
  /// The model has errors, or training failed.
  public static let failure: Int32 = 1
  public static let usage: Int32 = 64
}

/// The `ganc` command line: dispatches to a subcommand and turns errors into exit statuses.
public enum Driver {
  static let commands: [Command] = [
    CheckCommand.command, TrainCommand.command, SampleCommand.command, IRCommand.command, EvalCommand.command,
    BenchCommand.command, ExplainCommand.command,
  ]

  static let helpOption = OptionDefinition("--help", "show this help")

  /// Options every command takes.
  static let commonOptions = [
    OptionDefinition(
      "--color", value: "WHEN", "colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never"),
    OptionDefinition(
      "--format", value: "FORMAT", "diagnostics as text (on stderr) or json (one object per line, on stdout)"),
  ]

  static func applyCommonOptions(_ args: ParsedArguments, _ console: Console) throws(UsageError) {
    switch args.value("--color") {
    case nil, "auto": break
    case "always": console.colors = true
    case "never": console.colors = false
    case let other?: throw UsageError("--color takes auto, always or never, not `\(other)`")
    }
    if let f = args.value("--format") {
      guard let format = Console.DiagnosticFormat(rawValue: f) else {
        throw UsageError("--format takes text or json, not `\(f)`")
      }
      console.diagnosticFormat = format
    }
  }

  public static func run(_ arguments: [String], console: Console) -> Int32 {
    guard let first = arguments.first else {
      console.write(topLevelHelp(), to: .error)
      return ExitStatus.usage
    }
    if first == "--help" || first == "-h" || first == "help" {
      if first == "help", arguments.count > 1, let c = commands.first(where: { $0.name == arguments[1] }) {
        console.write(help(for: c))
      } else {
        console.write(topLevelHelp())
      }
      return ExitStatus.success
    }
    if first == "--version" {
      console.print("ganc \(version)")
      return ExitStatus.success
    }
    guard let command = commands.first(where: { $0.name == first }) else {
      let hint = Suggestions.closest(to: first, among: commands.map(\.name)).map { " (did you mean `\($0)`?)" } ?? ""
      console.printError("error: unknown command `\(first)`\(hint)")
      console.write("\n" + topLevelHelp(), to: .error)
      return ExitStatus.usage
    }
    let rest = Array(arguments.dropFirst())
    if rest.contains("--help") || rest.contains("-h") {
      console.write(help(for: command))
      return ExitStatus.success
    }
    do {
      let parsed = try ArgumentParser.parse(rest, options: command.options + commonOptions)
      try applyCommonOptions(parsed, console)
      return try command.run(parsed, console)
    } catch let e as UsageError {
      console.printError("error: \(e.message)")
      console.printError("usage: ganc \(command.name) \(command.usage)  (see `ganc \(command.name) --help`)")
      return ExitStatus.usage
    } catch let e as DriverError {
      console.printError("error: \(e.message)")
      return ExitStatus.failure
    } catch {
      console.printError("error: \(error)")
      return ExitStatus.failure
    }
  }

  public static let version = "0.1.0"

  static func topLevelHelp() -> String {
    var s = """
      ganc \(version): a compiler for GANs

      usage: ganc <command> [options]

      commands:

      """
    let width = commands.map(\.name.count).max() ?? 0
    for c in commands {
      s += "  \(c.name)\(String(repeating: " ", count: width - c.name.count + 2))\(c.summary)\n"
    }
    s += "\nRun `ganc <command> --help` for a command's options.\n"
    return s
  }

  static func help(for c: Command) -> String {
    var s = "usage: ganc \(c.name) \(c.usage)\n\n\(c.summary)\n"
    if !c.details.isEmpty { s += "\n\(c.details)\n" }
    let all = c.options + commonOptions + [helpOption]
    let spellings = all.map { $0.name + ($0.valueName.map { " \($0)" } ?? "") }
    let width = spellings.map(\.count).max() ?? 0
    s += "\noptions:\n"
    for (o, sp) in zip(all, spellings) {
      s += "  \(sp)\(String(repeating: " ", count: width - sp.count + 2))\(o.help)\n"
    }
    return s
  }
}

/// A failure that is not the user's model: a file that cannot be read or written, a
/// checkpoint that does not fit. Reported as `error: message`, exit status 1.
public struct DriverError: Error, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
