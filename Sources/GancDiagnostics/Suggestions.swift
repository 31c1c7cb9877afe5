/// "Did you mean ...?" by edit distance.
public enum Suggestions {
  /// The candidate closest to `name`, if it is close enough to be a plausible typo: at most
  /// one edit for short names, two for names of five characters or more, and never more
  /// than a third of the name's length (so `x` does not suggest `z`, but `dnse` suggests `dense`).
  public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
    let limit = name.count >= 5 ? 2 : 1
    var best: (String, Int)?
    for c in candidates where c != name {
      let d = editDistance(name.lowercased(), c.lowercased())
      if d <= limit, d * 3 <= max(name.count, c.count), best == nil || d < best!.1 {
        best = (c, d)
      }
    }
    return best?.0
  }

  /// Damerau–Levenshtein distance (optimal string alignment): insertions, deletions,
  /// substitutions and swaps of neighbours each cost 1, since `dnese` is one slip, not two.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars)
    let y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[x.count][y.count]
  }

  /// " did you mean `x`?" or "", ready to append to a message or help line.
  public static func didYouMean(_ name: String, among candidates: some Sequence<String>) -> String? {
    closest(to: name, among: candidates).map { "did you mean `\($0)`?" }
  }
}
