enum IRCommand {
  static let command = Command(
    name: "ir", summary: "(not yet)", usage: "FILE.gan", options: [],
    run: { _, _ in 1 })
}
