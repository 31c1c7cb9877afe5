enum TrainCommand {
  static let command = Command(
    name: "train", summary: "(not yet)", usage: "FILE.gan", options: [],
    run: { _, _ in 1 })
}
