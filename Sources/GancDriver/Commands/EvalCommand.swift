enum EvalCommand {
  static let command = Command(
    name: "eval", summary: "(not yet)", usage: "FILE.gan", options: [],
    run: { _, _ in 1 })
}
