enum SampleCommand {
  static let command = Command(
    name: "sample", summary: "(not yet)", usage: "FILE.gan", options: [],
    run: { _, _ in 1 })
}
