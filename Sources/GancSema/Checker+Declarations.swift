import GancDiagnostics
import GancSource
import GancSyntax

extension Checker {
  // MARK: - Dimensions

  mutating func checkDimensions() {
    var batchDecls: [DimensionDecl] = []
    var sawBatch = false
    for decl in program.declarations {
      guard case .dimension(let d) = decl, symbols[d.name.name]?.range == d.name.range else { continue }
      sawBatch = sawBatch || d.isBatch
      guard let dim = evaluateDim(d.value) else {
        failedDimensions.insert(d.name.name)
        continue
      }
      guard dim.value > 0 else {
        report(
          Diagnostic(
            .optionRange, "a dimension must be positive, but `\(d.name.name)` is \(dim.value)",
            at: Label(d.value.range, "is \(dim.value)")))
        failedDimensions.insert(d.name.name)
        continue
      }
      let info = DimensionInfo(
        name: d.name.name, value: dim.value, expr: dim.expr, isBatch: d.isBatch, range: d.name.range)
      dimensions.append(info)
      dimensionValues[d.name.name] = dim.value
      dimensionExprs[d.name.name] = .named(d.name.name)
      if d.isBatch { batchDecls.append(d) }
    }
    if let first = batchDecls.first {
      batchName = first.name.name
      used.insert(first.name.name)
      for extra in batchDecls.dropFirst() {
        report(
          Diagnostic(
            .duplicateDeclaration, "a model has one batch dimension", at: Label(extra.name.range, "second `batch`"),
            secondary: [Label(first.name.range, "first `batch`")], help: "declare the other one with `dim`"))
      }
    } else if !sawBatch {
      let at = program.declarations.first?.range ?? SourceRange(at: 0)
      report(
        Diagnostic(
          .missingDeclaration, "the model does not declare its batch size",
          at: Label(SourceRange(at: at.start), ""),
          help: "add a line such as `batch B = 64` and use `B` as the first dimension of inputs"))
    }
  }

  /// Evaluates a dimension expression: integers, declared dims and `+ - * /` on them.
  mutating func evaluateDim(_ e: Expr) -> Dim? {
    switch e.kind {
    case .integer(let v):
      return .constant(v)
    case .identifier(let n):
      if let v = dimensionValues[n], let x = dimensionExprs[n] {
        used.insert(n)
        return Dim(x, value: v)
      }
      if failedDimensions.contains(n) {
        used.insert(n)
        return nil  // its value is in error, already reported
      }
      if let s = symbols[n] {
        if s.kind == .dimension {
          report(
            Diagnostic(
              .unknownName, "dimension `\(n)` is used before it has a value", at: Label(e.range, "not yet declared"),
              secondary: [Label(s.range, "declared later here")], help: "declare `\(n)` earlier in the file"))
        } else {
          report(
            Diagnostic(
              .wrongKindOfName, "`\(n)` is \(s.kind.rawValue), not a dimension", at: Label(e.range, "not a dimension"),
              secondary: [Label(s.range, "declared here")]))
        }
        return nil
      }
      reportUnknownName(n, at: e.range, candidates: dimensionValues.keys, what: "dimension")
      return nil
    case .binary(let op, let l, let r):
      guard let a = evaluateDim(l), let b = evaluateDim(r) else { return nil }
      let expr: DimExpr
      let value: Int?
      switch op {
      case .add, .subtract, .multiply:
        let (v, overflow) =
          op == .add
          ? a.value.addingReportingOverflow(b.value)
          : op == .subtract
            ? a.value.subtractingReportingOverflow(b.value) : a.value.multipliedReportingOverflow(by: b.value)
        guard !overflow else {
          report(Diagnostic(.optionRange, "this size is too large", at: Label(e.range, "too large")))
          return nil
        }
        expr =
          op == .add ? .add(a.expr, b.expr) : op == .subtract ? .subtract(a.expr, b.expr) : .multiply(a.expr, b.expr)
        value = v
      case .divide:
        expr = .divide(a.expr, b.expr)
        value = b.value != 0 && a.value % b.value == 0 ? a.value / b.value : nil
        if value == nil {
          report(
            Diagnostic(
              .optionRange, "\(a.value) / \(b.value) is not a whole number", at: Label(e.range, "not a whole size")))
          return nil
        }
      default:
        report(Diagnostic(.unexpectedToken, "a dimension cannot use `\(op.rawValue)`", at: Label(e.range)))
        return nil
      }
      return Dim(expr, value: value!)
    case .missing:
      return nil
    case .float:
      report(
        Diagnostic(.optionType, "a dimension must be a whole number", at: Label(e.range, "not an integer")))
      return nil
    default:
      report(
        Diagnostic(
          .optionType, "a dimension must be a whole number or a declared `dim`", at: Label(e.range, "not a size")))
      return nil
    }
  }

  /// Resolves a written tensor type.
  mutating func resolveType(_ t: TypeExpr) -> ValueType? {
    var shape: [Dim] = []
    var ok = true
    for d in t.dimensions {
      if let dim = evaluateDim(d) {
        if dim.value <= 0 {
          report(Diagnostic(.optionRange, "a dimension must be positive, but this is \(dim.value)", at: Label(d.range)))
          ok = false
        }
        shape.append(dim)
      } else {
        ok = false
      }
    }
    var classes: Dim?
    if let c = t.classCount {
      if let k = evaluateDim(c) {
        if k.value < 2 {
          report(Diagnostic(.optionRange, "class labels need at least 2 classes, not \(k.value)", at: Label(c.range)))
          ok = false
        }
        classes = k
      } else {
        ok = false
      }
    }
    return ok ? ValueType(shape, classes: classes) : nil
  }

  /// Inputs and noise are batches: their first dimension is the batch dimension.
  mutating func requireBatchFirst(_ type: ValueType, _ t: TypeExpr, what: String) -> Bool {
    guard let batchName else { return false }
    if let first = type.shape.first, first.expr.names.contains(batchName) { return true }
    report(
      Diagnostic(
        .rankMismatch,
        "\(what) is a batch, so its first dimension must be `\(batchName)` (or made from it, like `\(batchName) / 2`)",
        at: Label(t.range, "first dimension is not `\(batchName)`"),
        help: "write `[\(([batchName] + type.shape.map(\.description)).joined(separator: ", "))]`"))
    return false
  }

  // MARK: - Data sets

  mutating func checkDataSets() {
    for decl in program.declarations {
      guard case .data(let d) = decl, symbols[d.name.name]?.range == d.name.range else { continue }
      if let source = checkDataSource(d.source) {
        dataSets[d.name.name] = DataSetSpec(name: d.name.name, source: source, range: d.range)
      }
    }
  }

  static let dataSources = ["csv", "idx", "ring8", "grid25", "sines", "moving_digits"]

  /// `csv("f.csv")`, `csv("f.csv").windows(...)`, `csv("f.csv").sequences(...)`,
  /// `idx(images:, labels:)`, `ring8()`, `grid25()`, `sines(...)`, `moving_digits(...)`.
  private mutating func checkDataSource(_ e: Expr) -> DataSource? {
    if case .member(let base, let name, let args) = e.kind {
      guard case .call(let c, let a) = base.kind, c.name == "csv" else {
        report(
          Diagnostic(
            .wrongKindOfName, "`.\(name.name)` applies to a CSV file: `csv(\"file.csv\").\(name.name)(...)`",
            at: Label(base.range, "not `csv(...)`")))
        return nil
      }
      guard let argsMatched = matchArguments(a, names: ["path"], required: ["path"], callee: c),
        let path = string(argsMatched["path"]!, what: "`csv` takes the file's path")
      else { return nil }
      switch name.name {
      case "windows":
        guard
          let o = matchArguments(
            args ?? [], names: ["column", "length", "stride", "normalize"], required: ["length"], callee: name)
        else { return nil }
        let column = o["column"].flatMap { evaluateDim($0) }?.value ?? 0
        guard let length = o["length"].flatMap({ positiveSize($0) }) else { return nil }
        let stride = o["stride"].flatMap { positiveSize($0) } ?? length
        var normalize = WindowNormalization.none
        if let n = o["normalize"] {
          guard case .identifier(let word) = n.kind, let v = WindowNormalization(rawValue: word) else {
            report(
              Diagnostic(
                .optionType,
                "`normalize` is one of \(WindowNormalization.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "))",
                at: Label(n.range),
                help: Suggestions.didYouMean(
                  file.text(in: n.range), among: WindowNormalization.allCases.map(\.rawValue))))
            return nil
          }
          normalize = v
        }
        return .windows(path: path, column: column, length: length, stride: stride, normalize: normalize)
      case "sequences":
        guard
          let o = matchArguments(
            args ?? [], names: ["key", "columns", "length", "stride"], required: ["key", "columns", "length"],
            callee: name),
          let key = string(o["key"]!, what: "`key` names the column that groups rows"),
          let columns = stringList(o["columns"]!, what: "`columns` names the columns of each step"),
          let length = positiveSize(o["length"]!)
        else { return nil }
        let stride = o["stride"].flatMap { positiveSize($0) } ?? length
        return .sequences(path: path, key: key, columns: columns, length: length, stride: stride)
      default:
        report(
          unknownNameDiagnostic(name.name, at: name.range, candidates: ["windows", "sequences"], what: "CSV reading"))
        return nil
      }
    }
    let (callee, args): (Identifier, [Argument])
    switch e.kind {
    case .call(let c, let a): (callee, args) = (c, a)
    case .identifier(let n) where Self.dataSources.contains(n): (callee, args) = (Identifier(n, e.range), [])
    case .missing: return nil
    default:
      report(
        Diagnostic(
          .wrongKindOfName, "a data set is one of \(Self.dataSources.map { "`\($0)(...)`" }.joined(separator: ", "))",
          at: Label(e.range, "not a data source")))
      return nil
    }
    switch callee.name {
    case "csv":
      guard let a = matchArguments(args, names: ["path"], required: ["path"], callee: callee),
        let path = string(a["path"]!, what: "`csv` takes the file's path")
      else { return nil }
      return .csv(path: path)
    case "idx":
      guard let a = matchArguments(args, names: ["images", "labels"], required: ["images"], callee: callee),
        let images = string(a["images"]!, what: "`images` is the path of an IDX file")
      else { return nil }
      var labels: String?
      if let l = a["labels"] {
        guard let v = string(l, what: "`labels` is the path of an IDX file") else { return nil }
        labels = v
      }
      return .idx(images: images, labels: labels)
    case "ring8", "grid25":
      let kind = MixtureKind(rawValue: callee.name)!
      guard let a = matchArguments(args, names: ["std"], required: [], callee: callee) else { return nil }
      var std = kind.defaultStd
      if let e = a["std"] {
        guard let v = evaluateNumber(e) else { return nil }
        guard v > 0 else {
          report(Diagnostic(.optionRange, "`std` must be positive, not \(formatNumber(v))", at: Label(e.range)))
          return nil
        }
        std = v
      }
      return .mixture(kind, std: std)
    case "sines":
      guard let a = matchArguments(args, names: ["count", "length", "features"], required: [], callee: callee) else {
        return nil
      }
      let count = a["count"].map { positiveSize($0) } ?? 10000
      let length = a["length"].map { positiveSize($0) } ?? 24
      let features = a["features"].map { positiveSize($0) } ?? 5
      guard let count, let length, let features else { return nil }
      return .sines(count: count, length: length, features: features)
    case "moving_digits":
      guard
        let a = matchArguments(
          args, names: ["digits", "count", "frames", "canvas"], required: ["digits"], callee: callee),
        let digits = string(a["digits"]!, what: "`digits` is the path of the 8×8 digits CSV")
      else { return nil }
      let count = a["count"].map { positiveSize($0) } ?? 2000
      let frames = a["frames"].map { positiveSize($0) } ?? 4
      let canvas = a["canvas"].map { positiveSize($0) } ?? 16
      guard let count, let frames, let canvas else { return nil }
      guard canvas >= 10 else {
        report(
          Diagnostic(
            .optionRange, "`canvas` must be at least 10 pixels, for an 8×8 digit to move on it",
            at: Label(a["canvas"]!.range)))
        return nil
      }
      return .movingDigits(digits: digits, count: count, frames: frames, canvas: canvas)
    default:
      reportUnknownName(callee.name, at: callee.range, candidates: Self.dataSources, what: "data source")
      return nil
    }
  }

  private mutating func string(_ e: Expr, what: String) -> String? {
    if case .string(let s) = e.kind { return s }
    report(Diagnostic(.optionType, "\(what) as a string", at: Label(e.range, "not a string")))
    return nil
  }

  private mutating func stringList(_ e: Expr, what: String) -> [String]? {
    if case .list(let xs) = e.kind, !xs.isEmpty {
      var out: [String] = []
      for x in xs {
        guard let s = string(x, what: what) else { return nil }
        out.append(s)
      }
      return out
    }
    report(
      Diagnostic(.optionType, "\(what), as a list of strings such as `[\"alto\", \"tenor\"]`", at: Label(e.range)))
    return nil
  }

  private mutating func positiveSize(_ e: Expr) -> Int? {
    guard let d = evaluateDim(e) else { return nil }
    guard d.value > 0 else {
      report(Diagnostic(.optionRange, "a size must be positive, not \(d.value)", at: Label(e.range)))
      return nil
    }
    return d.value
  }

  // MARK: - Inputs

  mutating func checkInputs() {
    for decl in program.declarations {
      guard case .input(let d) = decl, symbols[d.name.name]?.range == d.name.range else { continue }
      typeRanges[d.name.name] = d.type.range
      guard let type = resolveType(d.type), requireBatchFirst(type, d.type, what: "an input") else {
        markUsed(d.source)  // the data set is used, whatever the type's mistake
        continue
      }
      guard let (dataName, columns, scale) = checkInputSource(d.source, type: type) else { continue }
      if let s = scale, type.isClassLabels {
        _ = s
        report(
          Diagnostic(
            .notAClassTensor, "class labels cannot be scaled", at: Label(d.source.range),
            help: "drop `.scaled(...)`; labels are read as whole numbers"))
        continue
      }
      inputs[d.name.name] = InputSpec(
        name: d.name.name, type: type, dataSet: dataName, columns: columns, scale: scale, range: d.range)
    }
  }

  /// `data`, `data.columns(a..<b)`, `data.column(i)`, `data.fields(a..<b)` (of every step
  /// of a sequence set), each optionally followed by `.scaled(from: lo...hi, to: lo...hi)`.
  private mutating func checkInputSource(_ e: Expr, type: ValueType) -> (String, [Int], LinearMap?)? {
    let perExample = ValueType(Array(type.shape.dropFirst())).elementCount
    var expr = e
    var scale: LinearMap?
    if case .member(let base, let name, let args) = expr.kind, name.name == "scaled" {
      guard let a = matchArguments(args ?? [], names: ["from", "to"], required: ["from", "to"], callee: name),
        let from = evaluateInterval(a["from"]!), let to = evaluateInterval(a["to"]!)
      else { return nil }
      scale = LinearMap(from: from, to: to)
      expr = base
    }
    func dataSet(_ b: Expr) -> (String, DataSetSpec)? {
      guard case .identifier(let n) = b.kind else {
        report(Diagnostic(.wrongKindOfName, "expected the name of a data set", at: Label(b.range)))
        return nil
      }
      used.insert(n)
      if let ds = dataSets[n] { return (n, ds) }
      if let s = symbols[n] {
        if s.kind != .dataSet {
          report(
            Diagnostic(
              .wrongKindOfName, "`\(n)` is \(s.kind.rawValue), not a data set", at: Label(b.range),
              secondary: [Label(s.range, "declared here")]))
        }
        return nil
      }
      reportUnknownName(n, at: b.range, candidates: dataSets.keys, what: "data set")
      return nil
    }
    let columns: [Int]
    let ds: (String, DataSetSpec)
    switch expr.kind {
    case .identifier:
      guard let found = dataSet(expr) else { return nil }
      ds = found
      columns = Array(0..<(found.1.staticColumnCount ?? perExample))
    case .member(let base, let name, let args):
      guard let found = dataSet(base) else { return nil }
      ds = found
      switch name.name {
      case "columns":
        guard let a = matchArguments(args ?? [], names: ["range"], required: ["range"], callee: name),
          let r = evaluateIndexRange(a["range"]!)
        else { return nil }
        columns = Array(r)
      case "column":
        guard let a = matchArguments(args ?? [], names: ["index"], required: ["index"], callee: name),
          let i = evaluateDim(a["index"]!)
        else { return nil }
        guard i.value >= 0 else {
          report(Diagnostic(.optionRange, "a column index cannot be negative", at: Label(a["index"]!.range)))
          return nil
        }
        columns = [i.value]
      case "fields":
        guard let a = matchArguments(args ?? [], names: ["range"], required: ["range"], callee: name),
          let r = evaluateIndexRange(a["range"]!)
        else { return nil }
        guard let per = found.1.fieldsPerStep, let total = found.1.staticColumnCount else {
          report(
            Diagnostic(
              .wrongKindOfName, "`.fields` selects values of every step of a sequence set, but `\(found.0)` is not one",
              at: Label(name.range), secondary: [Label(found.1.range, "`\(found.0)` is declared here")],
              help: "use `.columns(a..<b)`"))
          return nil
        }
        guard r.upperBound <= per else {
          report(
            Diagnostic(
              .dataColumns,
              "`\(found.0)` has \(per) field\(per == 1 ? "" : "s") per step, so fields \(r.lowerBound)..<\(r.upperBound) do not exist",
              at: Label(a["range"]!.range, "out of range"),
              secondary: [Label(found.1.range, "`\(found.0)` is declared here")]))
          return nil
        }
        columns = stride(from: 0, to: total, by: per).flatMap { step in r.map { step + $0 } }
      default:
        report(
          unknownNameDiagnostic(
            name.name, at: name.range, candidates: ["columns", "column", "fields", "scaled"], what: "data selection"))
        return nil
      }
    case .missing:
      return nil
    default:
      report(
        Diagnostic(
          .wrongKindOfName, "an input reads a data set: `data`, `data.columns(0..<64)` or `data.column(64)`",
          at: Label(expr.range, "not a data selection")))
      return nil
    }
    if let n = ds.1.staticColumnCount, let last = columns.max(), last >= n {
      report(
        Diagnostic(
          .dataColumns,
          "`\(ds.0)` has \(n) columns, so column \(last) does not exist",
          at: Label(expr.range, "out of range"), secondary: [Label(ds.1.range, "`\(ds.0)` is declared here")]))
      return nil
    }
    if columns.count != perExample {
      report(
        Diagnostic(
          .dataColumns,
          "this input reads \(columns.count) column\(columns.count == 1 ? "" : "s") per example, but its type \(type.description) holds \(perExample)",
          at: Label(expr.range, "\(columns.count) column\(columns.count == 1 ? "" : "s")"),
          secondary: [Label(ds.1.range, "`\(ds.0)` is declared here")],
          help: "read exactly \(perExample) columns, or change the declared shape"))
      return nil
    }
    return (ds.0, columns, scale)
  }

  /// `a...b` with real bounds, `a < b`.
  mutating func evaluateInterval(_ e: Expr) -> ClosedRange<Double>? {
    guard case .range(let lo, let hi, _) = e.kind else {
      report(Diagnostic(.optionType, "expected an interval such as `0...16`", at: Label(e.range, "not an interval")))
      return nil
    }
    guard let a = evaluateNumber(lo), let b = evaluateNumber(hi) else { return nil }
    guard a < b else {
      report(
        Diagnostic(
          .optionRange, "an interval must go from low to high, but \(formatNumber(a)) ≥ \(formatNumber(b))",
          at: Label(e.range)))
      return nil
    }
    return a...b
  }

  /// `a..<b` or `a...b` of non-negative integers.
  mutating func evaluateIndexRange(_ e: Expr) -> Range<Int>? {
    guard case .range(let lo, let hi, let closed) = e.kind else {
      report(Diagnostic(.optionType, "expected a column range such as `0..<64`", at: Label(e.range, "not a range")))
      return nil
    }
    guard let a = evaluateDim(lo), let b = evaluateDim(hi) else { return nil }
    let upper = closed ? b.value + 1 : b.value
    guard a.value >= 0, a.value < upper else {
      report(
        Diagnostic(.optionRange, "the column range \(file.text(in: e.range)) is empty or negative", at: Label(e.range)))
      return nil
    }
    return a.value..<upper
  }

  // MARK: - Noise

  mutating func checkNoises() {
    for decl in program.declarations {
      guard case .noise(let d) = decl, symbols[d.name.name]?.range == d.name.range else { continue }
      typeRanges[d.name.name] = d.type.range
      guard let type = resolveType(d.type), requireBatchFirst(type, d.type, what: "noise") else { continue }
      let (callee, args): (Identifier, [Argument])
      switch d.distribution.kind {
      case .identifier(let n): (callee, args) = (Identifier(n, d.distribution.range), [])
      case .call(let c, let a): (callee, args) = (c, a)
      case .missing: continue
      default:
        report(
          Diagnostic(
            .wrongKindOfName, "noise is drawn from `normal(mean, std)` or `uniform(low, high)`",
            at: Label(d.distribution.range, "not a distribution")))
        continue
      }
      var distribution: NoiseDistribution?
      switch callee.name {
      case "normal":
        guard let a = matchArguments(args, names: ["mean", "std"], required: [], callee: callee) else { continue }
        let mean = a["mean"].flatMap { evaluateNumber($0) } ?? 0
        let std = a["std"].flatMap { evaluateNumber($0) } ?? 1
        if std <= 0 {
          report(
            Diagnostic(
              .optionRange, "`std` must be positive, not \(formatNumber(std))",
              at: Label(a["std"]?.range ?? callee.range)))
          continue
        }
        distribution = .normal(mean: mean, std: std)
      case "uniform":
        if type.isClassLabels {
          if !args.isEmpty {
            report(
              Diagnostic(
                .wrongArgumentCount, "uniform class labels take no bounds; the class count comes from the type",
                at: Label(d.distribution.range), help: "write `uniform`"))
            continue
          }
          distribution = .uniformClasses
        } else {
          guard let a = matchArguments(args, names: ["low", "high"], required: [], callee: callee) else { continue }
          let low = a["low"].flatMap { evaluateNumber($0) } ?? -1
          let high = a["high"].flatMap { evaluateNumber($0) } ?? 1
          if !(low < high) {
            report(
              Diagnostic(
                .optionRange, "`uniform` needs low < high, but \(formatNumber(low)) ≥ \(formatNumber(high))",
                at: Label(d.distribution.range)))
            continue
          }
          distribution = .uniform(low: low, high: high)
        }
      default:
        report(
          unknownNameDiagnostic(callee.name, at: callee.range, candidates: ["normal", "uniform"], what: "distribution"))
        continue
      }
      if type.isClassLabels, distribution != .uniformClasses {
        report(
          Diagnostic(
            .notAClassTensor, "class labels are drawn with `uniform`", at: Label(d.distribution.range),
            help: "write `= uniform`"))
        continue
      }
      noises[d.name.name] = NoiseSpec(name: d.name.name, type: type, distribution: distribution!, range: d.range)
    }
  }

  // MARK: - Arguments of non-tensor calls

  /// Matches positional and labelled arguments to `names`, reporting unknown, repeated,
  /// surplus and missing ones.
  mutating func matchArguments(
    _ args: [Argument], names: [String], required: Set<String>, callee: Identifier
  ) -> [String: Expr]? {
    var result: [String: Expr] = [:]
    var ok = true
    var position = 0
    for arg in args {
      let name: String
      if let label = arg.label {
        guard names.contains(label.name) else {
          report(
            Diagnostic(
              .unknownOption, "`\(callee.name)` has no option `\(label.name)`",
              at: Label(label.range, "unknown option"),
              help: Suggestions.didYouMean(label.name, among: names)
                ?? "its options are \(names.map { "`\($0)`" }.joined(separator: ", "))"))
          ok = false
          continue
        }
        name = label.name
      } else {
        guard position < names.count else {
          report(
            Diagnostic(
              .wrongArgumentCount,
              "`\(callee.name)` takes at most \(names.count) argument\(names.count == 1 ? "" : "s")",
              at: Label(arg.value.range, "one too many")))
          ok = false
          continue
        }
        name = names[position]
        position += 1
      }
      if result[name] != nil {
        report(Diagnostic(.duplicateOption, "`\(name)` is given twice", at: Label(arg.value.range)))
        ok = false
        continue
      }
      result[name] = arg.value
    }
    for r in names where required.contains(r) && result[r] == nil && ok {
      report(
        Diagnostic(
          .missingOption, "`\(callee.name)` needs `\(r)`", at: Label(callee.range, "missing `\(r)`")))
      ok = false
    }
    return ok ? result : nil
  }

  /// Evaluates a real number: literals, declared dims, negation and arithmetic.
  mutating func evaluateNumber(_ e: Expr) -> Double? {
    switch e.kind {
    case .integer(let v): return Double(v)
    case .float(let v): return v
    case .unary(.negate, let x): return evaluateNumber(x).map { -$0 }
    case .identifier(let n) where dimensionValues[n] != nil:
      used.insert(n)
      return Double(dimensionValues[n]!)
    case .binary(let op, let l, let r):
      guard let a = evaluateNumber(l), let b = evaluateNumber(r) else { return nil }
      switch op {
      case .add: return a + b
      case .subtract: return a - b
      case .multiply: return a * b
      case .divide where b != 0: return a / b
      default: break
      }
    case .missing: return nil
    default: break
    }
    report(Diagnostic(.optionType, "expected a number", at: Label(e.range, "not a number")))
    return nil
  }

  /// Reports an unknown name with a did-you-mean. The suggested name counts as used: it is
  /// what the writer meant, so it is not also reported as never used.
  mutating func reportUnknownName(
    _ name: String, at range: SourceRange, candidates: some Sequence<String>, what: String
  ) {
    let candidates = Array(candidates)
    if let s = Suggestions.closest(to: name, among: candidates) { markUsed(Expr(.identifier(s), range)) }
    report(unknownNameDiagnostic(name, at: range, candidates: candidates, what: what))
  }

  /// "cannot find `x`", with a did-you-mean among `candidates`.
  func unknownNameDiagnostic(_ name: String, at range: SourceRange, candidates: some Sequence<String>, what: String)
    -> Diagnostic
  {
    let suggestion = Suggestions.closest(to: name, among: candidates)
    var help = suggestion.map { "did you mean `\($0)`?" }
    if help == nil, what == "value", let c = Self.tensorFactories[name] {
      help = "a number stands for a tensor filled with it: write `\(c)`, as in `bce_logits(D(x), \(c))`"
    }
    if what == "layer or function", help == nil, let ours = BuiltinSignature.foreignNames[name.lowercased()],
      let sig = BuiltinSignature.all[ours]
    {
      // `linear`, `cat`, `BCEWithLogitsLoss`: another framework's name for a built-in.
      help = "ganc calls this `\(ours)`: \(sig.summary)"
    }
    return Diagnostic(
      what == "layer or function" ? .unknownLayer : .unknownName,
      "there is no \(what) named `\(name)`", at: Label(range, "unknown \(what)"), help: help)
  }

  /// Names PyTorch and Keras users reach for to make target tensors, and the number to write.
  static let tensorFactories = ["ones": "1", "zeros": "0", "ones_like": "1", "zeros_like": "0"]
}
