#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command writes: the terminal, or a buffer in tests.
public final class Console {
  public enum Stream { case output, error }

  private var capture: (output: String, error: String)?
  /// Whether text may use ANSI colour: by default only on a terminal and without
  /// `NO_COLOR`; `--color always|never` decides instead.
  public var colors: Bool
  /// How diagnostics are printed (`--format`).
  public var diagnosticFormat: DiagnosticFormat = .text

  public enum DiagnosticFormat: String, Sendable {
    case text, json
  }
  /// Whether standard error is a terminal (for progress lines that rewrite themselves).
  public let isInteractive: Bool

  /// A console that writes to the process's standard output and error.
  public static func standard() -> Console {
    let tty = isatty(STDERR_FILENO) != 0
    let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
    return Console(capture: nil, colors: tty && !noColor, isInteractive: tty)
  }

  /// A console that keeps everything written, for tests.
  public static func captured() -> Console {
    Console(capture: ("", ""), colors: false, isInteractive: false)
  }

  private init(capture: (String, String)?, colors: Bool, isInteractive: Bool) {
    self.capture = capture
    self.colors = colors
    self.isInteractive = isInteractive
  }

  public var capturedOutput: String { capture?.output ?? "" }
  public var capturedError: String { capture?.error ?? "" }

  public func write(_ text: String, to stream: Stream = .output) {
    if capture != nil {
      if stream == .output { capture!.output += text } else { capture!.error += text }
      return
    }
    let fd = stream == .output ? STDOUT_FILENO : STDERR_FILENO
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes { p in
        Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
      }
      if n <= 0 { break }
      offset += n
    }
  }

  public func print(_ text: String = "") { write(text + "\n") }
  public func printError(_ text: String) { write(text + "\n", to: .error) }
}
