import GancDiagnostics
import GancSema
import GancSource
import GancSyntax
import GancTestSupport
import Testing

/// The checker's errors and warnings: code, message and primary position, by marker.
@Suite struct SemaDiagnosticTests {
  // MARK: - E0101 layer input width

  /// The case: a conditional generator whose `concat` was forgotten. The error
  /// points at the `dense` whose `in:` disagrees (line 12, column 8), with where the input's
  /// shape came from; the label input left unused explains why.
  @Test func forgottenConcatInAConditionalGenerator() throws {
    let source = MarkedSource(
      """
      gan digits_cgan
      batch B = 64
      dim Z = 32
      dim K = 10
      dim P = 64
      data digits = csv("data/digits.csv")
      input x: [B, P] = digits.columns(0..<64)
      input y: [B] class(K) = digits.column(64)
      noise z: [B, Z] = normal(0, 1)
      noise yf: [B] class(K) = uniform
      net G(z: 3️⃣[B, Z], 2️⃣y: [B] class(K)) -> [B, P] {
        z |> 1️⃣dense(128, in: Z + K)4️⃣ |> relu |> dense(P) |> tanh
      }
      net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
        concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> dense(1)
      }
      let fake = G(z, yf)
      loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
      loss g_loss = bce_logits(D(fake, yf), 1)
      train {
        steps 100
        step d: minimize d_loss wrt D
        step g: minimize g_loss wrt G
      }
      """)
    let (model, diagnostics, file) = check(source.text)
    #expect(model == nil)
    assertDiagnostics(
      diagnostics,
      [
        DiagnosticSpec(
          .unusedDeclaration, "input `y` of network `G` is never used", at: "2️⃣", label: "never used",
          help: "use it in the body (for a label, `concat(..., one_hot(y))`), or remove it"),
        DiagnosticSpec(
          .layerInputWidth, "`dense` expects an input of width 42, but it gets width 32", at: "1️⃣", end: "4️⃣",
          label: "expects width Z + K = 42", secondary: [("3️⃣", "`z` is declared [B, Z] here")],
          notes: ["Z = 32, K = 10 (declared at lines 3 and 4)"],
          help: "change `in:` to 32, or change what feeds this layer"),
      ], source: source, file: file, sourceLocation: #_sourceLocation)
    let error = try #require(diagnostics.first { $0.code == .layerInputWidth })
    let at = file.location(of: error.primary.range.start)
    #expect(at.line == 12 && at.column == 8)
  }

  @Test func denseWidthWithoutPipe() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            let h = 1️⃣dense(x, 128, in: P + K)
            concat(h, one_hot(y)) |> dense(1)
          }
          """),
      [DiagnosticSpec(.layerInputWidth, "`dense` expects an input of width 74, but it gets width 64")])
  }

  // MARK: - E0102 shape mismatches

  @Test func lossOperandsOfDifferentShapes() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> 3️⃣[B, 1] {
            concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> dense(1)
          }
          """,
        losses: """
          let fake = G(z, yf)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
          loss g_loss = bce_logits(2️⃣D(fake, yf), 1️⃣4️⃣squeeze(D(fake, yf)))
          """),
      [
        DiagnosticSpec(
          .shapeMismatch,
          "`bce_logits` compares [B, 1] = [64, 1] with [B] = [64]; the shapes must be equal (or the target a single number)",
          label: "has shape [B]",
          secondary: [
            ("2️⃣", "has shape [B, 1]"), ("3️⃣", "`D` returns [B, 1]"), ("4️⃣", "`squeeze` gives [B] = [64]"),
          ],
          notes: ["B = 64 (declared at line 2)"],
          help: "the prediction has a trailing dimension of 1 that the target lacks; give both the same shape")
      ])
  }

  @Test func concatOperandsWhoseOtherDimensionsDiffer() {
    assertCheck(
      Fixture.model(extra: "let v = concat(2️⃣x, 1️⃣reshape(x, B / 2, 128))\nloss extra = mse(v, 0)"),
      [
        DiagnosticSpec(
          .layoutMismatch,
          "`concat` joins along the last axis, so the other dimensions must match, but [B, P] = [64, 64] and [B / 2, 128] = [32, 128] differ",
          label: "has shape [B / 2, 128]", help: "all operands need the same shape except along the last axis")
      ], warnings: false)
  }

  @Test func sliceOutOfRange() {
    assertCheck(
      Fixture.model(extra: "let v = x[:, 1️⃣70:]\nlet w = x[:, 2️⃣-65]\nlet u = x[:, :, 3️⃣0]"),
      [
        DiagnosticSpec(
          .sliceOutOfRange, "`70:` selects 70..<64 of an axis of size P = 64, which is out of range", at: "1️⃣",
          label: "axis 1 has 64 entries", notes: ["P = 64 (declared at line 5)"]),
        DiagnosticSpec(.sliceOutOfRange, "index -65 is outside an axis of size P = 64", at: "2️⃣"),
        DiagnosticSpec(.sliceOutOfRange, "`x` has 2 axes, but the subscript has 3", at: "3️⃣"),
      ], warnings: false)
  }

  @Test func timeShiftedSlicesOfDifferentLengths() {
    assertCheck(
      Fixture.model(extra: "loss s = mse(2️⃣x[:, 1:], 1️⃣G(z, yf)[:, :-2])"),
      [
        DiagnosticSpec(
          .shiftedSliceMismatch,
          "`mse` compares slices of different lengths along axis 1: P - 1 = 63 and P - 2 = 62", at: "1️⃣",
          label: "P - 2 = 62 long", secondary: [("2️⃣", "P - 1 = 63 long")], notes: ["P = 64 (declared at line 5)"],
          help: "shift both by the same number of steps, e.g. `h[:, 1:, :]` against `h_hat[:, :-1, :]`")
      ], warnings: false)
  }

  @Test func reductionOverAnAxisTheOperandDoesNotHave() {
    assertCheck(
      Fixture.model(extra: "let v = mean(x, 1️⃣over: Z)\nlet w = sum(x, 2️⃣axis: 2)"),
      [
        DiagnosticSpec(.optionRange, "`mean` over `Z`: no axis of [B, P] is `Z`", at: "1️⃣"),
        DiagnosticSpec(.optionRange, "`sum` has no axis 2: [B, P] has 2 axes", at: "2️⃣"),
      ], warnings: false)
  }

  @Test func reshapeElementCount() {
    assertCheck(
      Fixture.model(extra: "let v = reshape(2️⃣x, 1️⃣B, 3)"),
      [
        DiagnosticSpec(
          .layoutMismatch,
          "`reshape` keeps every element, but [B, P] = [64, 64] has 4096 and [B, 3] = [64, 3] has 192",
          label: "192 elements", notes: ["B = 64, P = 64 (declared at lines 2 and 5)"])
      ], warnings: false)
  }

  @Test func arithmeticOfDifferentShapes() {
    assertCheck(
      Fixture.model(extra: "let v = x + 1️⃣z"),
      [
        DiagnosticSpec(
          .shapeMismatch,
          "`+` needs operands of the same shape (or a single number), but they are [B, P] = [64, 64] and [B, Z] = [64, 32]",
          label: "has shape [B, Z]", notes: ["B = 64, Z = 32, P = 64 (declared at lines 2, 3 and 5)"])
      ], warnings: false)
  }

  @Test func squeezeOfAWideAxis() {
    assertCheck(
      Fixture.model(extra: "let v = 1️⃣squeeze(x)"),
      [
        DiagnosticSpec(
          .layoutMismatch, "`squeeze` removes an axis of size 1, but axis 1 of [B, P] = [64, 64] has size 64")
      ],
      warnings: false)
  }

  // MARK: - E0103 argument counts

  @Test func wrongArgumentCounts() {
    assertCheck(
      Fixture.model(
        extra: """
          let a = relu(x, 1️⃣x)
          let b = 2️⃣concat(x)
          let c = 3️⃣D(x)
          let d = 4️⃣G(z, yf, yf)
          let e = z |> 5️⃣G
          loss f = 6️⃣bce_logits(D(x, y))
          """),
      [
        DiagnosticSpec(
          .wrongArgumentCount, "`relu` takes 1 tensor argument, but it is given one more argument", at: "1️⃣"),
        DiagnosticSpec(.wrongArgumentCount, "`concat` takes at least 2 tensor arguments, but it is given 1", at: "2️⃣"),
        DiagnosticSpec(.wrongArgumentCount, "`D` takes 2 inputs, but it is given 1", at: "3️⃣", label: "given 1"),
        DiagnosticSpec(.wrongArgumentCount, "`G` takes 2 inputs, but it is given 3", at: "4️⃣"),
        DiagnosticSpec(.wrongArgumentCount, "`G` takes 2 inputs, but it is given 1", at: "5️⃣"),
        DiagnosticSpec(
          .wrongArgumentCount, "`bce_logits` takes 2 tensor arguments, but it is given 1", at: "6️⃣",
          help: "a loss takes the prediction and then the target, as in `bce_logits(D(fake), 1)`"),
      ], warnings: false)
  }

  // MARK: - E0104 network output

  @Test func networkBodyDiffersFromItsDeclaredOutput() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> 2️⃣[B, 1] {
            concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> 1️⃣dense(2)
          }
          """),
      [
        DiagnosticSpec(
          .netOutputMismatch, "network `D` is declared to return [B, 1] = [64, 1], but its body gives [B, 2] = [64, 2]",
          label: "gives [B, 2]", secondary: [("2️⃣", "declared [B, 1] here")], notes: ["B = 64 (declared at line 2)"],
          help: "change the last layer's size, or the declared output")
      ])
  }

  // MARK: - E0105 argument shapes

  @Test func networkArgumentOfTheWrongShape() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: 2️⃣[B, P], y: [B] class(K)) -> [B, 1] {
            concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> dense(1)
          }
          """,
        extra: "let v = D(1️⃣z, y)"),
      [
        DiagnosticSpec(
          .argumentShape, "input `x` of `D` is [B, P] = [64, 64], but it is given [B, Z] = [64, 32]",
          label: "has shape [B, Z]",
          notes: ["B = 64, Z = 32, P = 64 (declared at lines 2, 3 and 5)"],
          help: "pass a value of shape [B, P], or change the declared type of `x`")
      ], warnings: false)
  }

  // MARK: - E0106 class labels and numbers

  @Test func classLabelsWhereNumbersAreNeeded() {
    assertCheck(
      Fixture.model(
        extra: """
          let a = 1️⃣y |> dense(3)
          let b = G(2️⃣yf, yf)
          let c = G(z, 3️⃣z)
          let d = concat(x, 4️⃣y)
          let e = one_hot(5️⃣x)
          """),
      [
        DiagnosticSpec(
          .notAClassTensor, "`dense` needs numbers, but `y` holds class labels [B] class(K)", at: "1️⃣",
          help: "turn labels into numbers with `one_hot(y)`"),
        DiagnosticSpec(
          .notAClassTensor, "input `z` of `G` takes numbers, but it is given class labels [B] class(K)", at: "2️⃣"),
        DiagnosticSpec(
          .notAClassTensor, "input `y` of `G` takes class labels, but it is given numbers [B, Z]", at: "3️⃣"),
        DiagnosticSpec(
          .notAClassTensor, "`concat` joins numbers, but this operand holds class labels [B] class(K)", at: "4️⃣"),
        DiagnosticSpec(
          .notAClassTensor, "`one_hot` needs class labels, but this is a tensor of numbers [B, P]", at: "5️⃣"),
      ], warnings: false)
  }

  // MARK: - E0107 class counts

  @Test func classCountMismatch() {
    assertCheck(
      Fixture.model(
        header: Fixture.header + "\nnoise y3: [B] class(3) = uniform",
        extra: """
          let a = one_hot(y, 1️⃣classes: 5)
          let b = G(z, 2️⃣y3)
          """),
      [
        DiagnosticSpec(
          .classCountMismatch, "`one_hot` is told 5 classes, but its labels have 10", at: "1️⃣",
          help: "use `classes: K` or drop the option; the count comes from the labels"),
        DiagnosticSpec(.classCountMismatch, "input `y` of `G` has 10 classes, but it is given labels of 3", at: "2️⃣"),
      ], warnings: false)
  }

  // MARK: - E0109 the batch dimension sizing a layer

  @Test func batchDimensionSizingALayer() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            concat(x, one_hot(y)) |> dense(1️⃣B) |> dense(1)
          }
          """),
      [
        DiagnosticSpec(
          .batchDimInParameter, "the batch dimension `B` cannot size a layer", label: "uses `B`",
          help: "a layer's size must not change with the batch; use a `dim`")
      ])
  }

  // MARK: - E0201, E0202, E0203 names

  @Test func unknownNameWithDidYouMean() {
    assertCheck(
      Fixture.model(
        losses: """
          let fake = G(z, 1️⃣yff)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
          loss g_loss = bce_logits(D(2️⃣fkae, yf), 1)
          """),
      [
        DiagnosticSpec(
          .unknownName, "there is no value named `yff`", at: "1️⃣", label: "unknown value", help: "did you mean `yf`?"),
        DiagnosticSpec(.unknownName, "there is no value named `fkae`", at: "2️⃣", help: "did you mean `fake`?"),
      ])
  }

  @Test func unknownDimensionAndUnknownWithoutSuggestion() {
    assertCheck(
      Fixture.model(extra: "noise w: [B, 1️⃣ZZ] = normal(0, 1)\nlet v = 2️⃣qwerty"),
      [
        // One slip in a two-letter name is too many to guess from.
        DiagnosticSpec(.unknownName, "there is no dimension named `ZZ`", at: "1️⃣", help: ""),
        DiagnosticSpec(.unknownName, "there is no value named `qwerty`", at: "2️⃣", help: ""),
      ], warnings: false)
  }

  @Test func unknownLayerWithSuggestion() {
    assertCheck(
      Fixture.model(
        g: """
          net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
            concat(z, one_hot(y)) |> 1️⃣dnese2️⃣(128) |> relu |> dense(P) |> tanh
          }
          """),
      [
        DiagnosticSpec(
          .unknownLayer, "there is no layer or function named `dnese`", end: "2️⃣", label: "unknown layer or function",
          help: "did you mean `dense`?")
      ])
    assertCheck(
      Fixture.model(extra: "let v = 1️⃣frobnicate(x)"),
      [DiagnosticSpec(.unknownLayer, "there is no layer or function named `frobnicate`", help: "")], warnings: false)
    // Another framework's name for a built-in is answered with ganc's.
    assertCheck(
      Fixture.model(extra: "let v = 1️⃣Linear(x, 16)"),
      [
        DiagnosticSpec(
          .unknownLayer, "there is no layer or function named `Linear`",
          help: "ganc calls this `dense`: a fully connected layer over the last axis: x · W + b")
      ], warnings: false)
    assertCheck(
      Fixture.model(extra: "let v = 1️⃣cat(x, x)"),
      [
        DiagnosticSpec(
          .unknownLayer, "there is no layer or function named `cat`",
          help: "ganc calls this `concat`: joins tensors along an axis (the last unless `axis` says which)")
      ], warnings: false)
  }

  @Test func networkSeeingATopLevelInput() {
    assertCheck(
      Fixture.header.replacingOccurrences(of: "input y:", with: "input 2️⃣y:") + "\n" + """
        net G(z: [B, Z]) -> [B, P] {
          concat(z, one_hot(1️⃣y)) |> dense(P)
        }
        """ + "\n" + Fixture.d + "\n" + """
          let fake = G(z)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
          loss g_loss = bce_logits(D(fake, yf), 1)
          """ + "\n" + Fixture.train,
      [
        DiagnosticSpec(
          .wrongKindOfName, "network `G` cannot see `y`; a network sees only its own inputs",
          label: "not an input of `G`", secondary: [("2️⃣", "declared here")],
          help: "add `y` to the inputs of `G` and pass it where the network is called")
      ])
  }

  @Test func wrongKindsOfName() {
    assertCheck(
      Fixture.model(
        extra: """
          let a = 1️⃣x(1)
          let b = 2️⃣G
          let c = 3️⃣digits
          let d = D(x, y) |> 4️⃣fake
          """),
      [
        DiagnosticSpec(.wrongKindOfName, "`x` is an input, so it cannot be called", at: "1️⃣"),
        DiagnosticSpec(
          .wrongKindOfName, "`G` is a network; call it with its inputs", at: "2️⃣",
          help: "write `G(...)`, or pipe into it: `x |> G`"),
        DiagnosticSpec(.wrongKindOfName, "`digits` is a data set; declare an `input` that reads it", at: "3️⃣"),
        DiagnosticSpec(.wrongKindOfName, "`fake` is a value, so it cannot be called", at: "4️⃣"),
      ], warnings: false)
  }

  // MARK: - E0301 gradient wiring

  @Test func stepReachingItsNetworkOnlyThroughDetach() {
    assertCheck(
      Fixture.model(
        losses: """
          let fake = G(z, yf)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
          loss 2️⃣g_loss = bce_logits(D(detach(fake), yf), 1)
          """,
        train: """
          train {
            steps 100
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt 1️⃣G
          }
          """),
      [
        DiagnosticSpec(
          .lossDoesNotReach, "loss `g_loss` reaches `G` only through `detach`, so step `g` cannot train it",
          label: "`G` gets no gradient from `g_loss`", secondary: [("2️⃣", "`g_loss` is defined here")],
          help: "remove the `detach` on the path through `G`, or remove `G` from `wrt`")
      ])
  }

  @Test func stepWhoseLossNeverReachesItsNetwork() {
    assertCheck(
      Fixture.model(
        losses: """
          let fake = G(z, yf)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
          loss g_loss = bce_logits(D(fake, yf), 1)
          loss 2️⃣r_loss = mse(D(x, y), 0)
          """,
        train: """
          train {
            steps 100
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt G
            step r: minimize r_loss wrt D, 1️⃣G
          }
          """),
      [
        DiagnosticSpec(
          .lossDoesNotReach, "loss `r_loss` does not depend on `G`, so step `r` cannot train it",
          secondary: [("2️⃣", "`r_loss` is defined here")],
          help: "minimize a loss that uses `G`, or remove `G` from `wrt`")
      ])
  }

  @Test func stepTrainingSomethingThatIsNotANetwork() {
    assertCheck(
      Fixture.model(
        train: """
          train {
            steps 100
            step d: minimize d_loss wrt D, 1️⃣x
            step g: minimize 2️⃣fake wrt G
          }
          """),
      [
        DiagnosticSpec(
          .notANetwork, "a step trains networks, but `x` is an input", at: "1️⃣",
          help: "`wrt` names the networks whose parameters the step changes: `G`, `D`"),
        DiagnosticSpec(
          .wrongKindOfName, "a step minimizes a loss, but `fake` is a value", at: "2️⃣",
          help: "declare it with `loss fake = ...`"),
      ], warnings: false)
    // `wrt fake` for the generator's output: the help names the generator.
    assertCheck(
      Fixture.model(
        train: """
          train {
            steps 100
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt 1️⃣fake
          }
          """),
      [
        DiagnosticSpec(
          .notANetwork, "a step trains networks, but `fake` is a value",
          help: "`fake` is computed by network `G`; to train `G`, write `wrt G`")
      ], warnings: false)
  }

  // MARK: - E0401, E0403, E0404 options

  @Test func unknownOptionWithSuggestion() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            concat(x, one_hot(y)) |> dense(128, 1️⃣uints: 3) |> leaky_relu(2️⃣slop: 0.2) |> dense(1)
          }
          """,
        extra: "let v = relu(x, 3️⃣inplace: true)\nlet w = D(4️⃣x: x, y)"),
      [
        DiagnosticSpec(
          .unknownOption, "`dense` has no option `uints`", at: "1️⃣", label: "unknown option",
          help: "did you mean `units`?"),
        DiagnosticSpec(.unknownOption, "`leaky_relu` has no option `slop`", at: "2️⃣", help: "did you mean `slope`?"),
        DiagnosticSpec(.unknownOption, "`relu` has no option `inplace`", at: "3️⃣", help: "`relu` takes no options"),
        DiagnosticSpec(.unknownOption, "network inputs are passed by position", at: "4️⃣", help: "drop `x:`"),
      ], warnings: false)
    assertCheck(
      Fixture.model(
        train: """
          train {
            steps 100
            optimizer adam(1️⃣learning_rate: 1e-3)
            step d: minimize d_loss wrt D using adam(2️⃣betta1: 0.5)
            step g: minimize g_loss wrt G
          }
          """),
      [
        DiagnosticSpec(
          .unknownOption, "`adam` has no option `learning_rate`", at: "1️⃣",
          help: "its options are `lr`, `beta1`, `beta2`, `eps`"),
        DiagnosticSpec(.unknownOption, "`adam` has no option `betta1`", at: "2️⃣", help: "did you mean `beta1`?"),
      ])
  }

  @Test func optionsOutOfRange() {
    assertCheck(
      Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(1️⃣1.5) |> leaky_relu(slope: 2️⃣1) |> dense(1)
          }
          """,
        train: """
          train {
            steps 100
            optimizer adam(lr: 3️⃣-1e-3)
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt G using adam(beta2: 4️⃣1.0)
          }
          """),
      [
        DiagnosticSpec(
          .optionRange, "`slope` of `leaky_relu` must be in (0, 1), but it is 1.5", at: "1️⃣", label: "out of range",
          notes: ["the slope for negative inputs, in (0, 1)"]),
        DiagnosticSpec(.optionRange, "`slope` of `leaky_relu` must be in (0, 1), but it is 1", at: "2️⃣"),
        DiagnosticSpec(
          .optionRange, "`lr` of `adam` must be in (0, 1], but it is -0.001", at: "3️⃣",
          notes: ["the learning rate, in (0, 1]"]),
        DiagnosticSpec(.optionRange, "`beta2` of `adam` must be in [0, 1), but it is 1", at: "4️⃣"),
      ])
  }

  @Test func missingRequiredOption() {
    assertCheck(
      Fixture.model(
        g: """
          net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
            concat(z, one_hot(y)) |> 1️⃣dense |> relu |> dense(P) |> tanh
          }
          """,
        train: """
          train {
            steps 100
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt G
            sample: G(z, yf) as 2️⃣image(8)
          }
          """),
      [
        DiagnosticSpec(
          .missingOption, "`dense` needs `units`: the output width", at: "1️⃣", label: "missing `units`",
          help: "write it as `dense(units: ...)`"),
        DiagnosticSpec(.missingOption, "`image` needs `width`", at: "2️⃣"),
      ])
  }

  // MARK: - Training settings

  @Test func trainingSettingValues() {
    assertCheck(
      Fixture.model(
        train: """
          train {
            steps 1️⃣-3
            seed 2️⃣1.5
            log every 3️⃣0
            step d: minimize d_loss wrt D repeat 4️⃣0
            step g: minimize g_loss wrt G
          }
          """),
      [
        DiagnosticSpec(.optionRange, "`steps` must be positive, not -3", at: "1️⃣"),
        DiagnosticSpec(.optionType, "`seed` takes a whole number", at: "2️⃣", label: "not a whole number", help: ""),
        DiagnosticSpec(.optionRange, "`log every` must be positive, not 0", at: "3️⃣"),
        DiagnosticSpec(.optionRange, "`repeat` takes a whole number of at least 1", at: "4️⃣"),
      ])
    // `steps 1e4` as Python writes it: a whole number in real notation, written out in the help.
    assertCheck(
      Fixture.model(train: Fixture.train.replacingOccurrences(of: "steps 100", with: "steps 1️⃣1e4")),
      [
        DiagnosticSpec(
          .optionType, "`steps` takes a whole number", help: "`1e4` is a real number; write the whole number `10000`")
      ])
  }

  @Test func imageViewOfTheWrongSize() {
    assertCheck(
      Fixture.model(
        train: Fixture.train.replacingOccurrences(
          of: "step g: minimize g_loss wrt G", with: "step g: minimize g_loss wrt G\n  sample: G(z, yf) as 1️⃣image(4, 4)"
        )),
      [
        DiagnosticSpec(
          .layoutMismatch, "an image of 4 × 4 holds 16 values, but each sample has 64",
          help: "samples of 64 values fit `as image(8, 8)`, or write them `as table`")
      ])
  }

  @Test func stepsAndEpochsAndSampleViews() {
    assertCheck(
      Fixture.model(
        train: """
          train {
            2️⃣steps 100
            1️⃣epochs 3
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt G
            sample: 4️⃣G(z, yf) as 3️⃣scatter
          }
          """),
      [
        DiagnosticSpec(
          .duplicateOption, "give either `steps` or `epochs`, not both", at: "1️⃣", secondary: [("2️⃣", "steps")]),
        DiagnosticSpec(
          .layoutMismatch, "a scatter plot shows 2-D points, but each sample has 64 values", at: "3️⃣",
          secondary: [("4️⃣", "gives [B, P] = [64, 64]")],
          help: "samples of 64 values fit `as image(8, 8)`, or write them `as table`"),
      ])
  }

  // MARK: - W0001, W0002 warnings

  @Test func untrainedNetwork() {
    assertCheck(
      Fixture.model(
        train: """
          train {
            steps 100
            step g: minimize g_loss wrt G
          }
          """
      ).replacingOccurrences(of: "net D(", with: "net 1️⃣D(").replacingOccurrences(
        of: "loss d_loss", with: "loss 2️⃣d_loss"),
      [
        DiagnosticSpec(
          .untrainedNetwork, "no step trains network `D`; its parameters stay at their initial values", at: "1️⃣",
          label: "never trained", help: "add it to a step's `wrt`, or remove it"),
        DiagnosticSpec(
          .unusedDeclaration, "loss `d_loss` is never used", at: "2️⃣", help: "minimize it in a step, or remove it"),
      ])
  }

  @Test func unusedDeclarations() {
    let model = assertCheck(
      Fixture.model(
        header: Fixture.header + "\ndim 1️⃣H = 128\ndata 2️⃣other = ring8()\nnoise 3️⃣w: [B, 2] = uniform(-1, 1)",
        extra: """
          let 4️⃣spare = G(z, yf)
          net 5️⃣E(6️⃣x: [B, P]) -> [B, P] {
            let 7️⃣h = x |> relu
            x
          }
          """),
      [
        DiagnosticSpec(.unusedDeclaration, "dimension `H` is never used", at: "1️⃣", help: "remove it, or use it"),
        DiagnosticSpec(.unusedDeclaration, "data set `other` is never used", at: "2️⃣"),
        DiagnosticSpec(.unusedDeclaration, "noise `w` is never used", at: "3️⃣"),
        DiagnosticSpec(.unusedDeclaration, "value `spare` is never used", at: "4️⃣"),
        DiagnosticSpec(.unusedDeclaration, "network `E` is never used", at: "5️⃣"),
        DiagnosticSpec(.unusedDeclaration, "`h` is never used", at: "7️⃣"),
      ])
    // Warnings do not stop the model.
    #expect(model != nil)
  }

  // MARK: - E0013 duplicates, with both sites

  @Test func duplicateDeclarations() {
    assertCheck(
      Fixture.model(
        header: Fixture.header.replacingOccurrences(of: "dim Z =", with: "dim 2️⃣Z =") + "\ndim 1️⃣Z = 3",
        extra: """
          net 4️⃣N(6️⃣a: [B, P], 5️⃣a: [B, P]) -> [B, P] {
            a
          }
          net 3️⃣N(a: [B, P]) -> [B, P] {
            a
          }
          let 7️⃣dense = 3
          """),
      [
        DiagnosticSpec(
          .duplicateDeclaration, "`Z` is declared twice", at: "1️⃣", label: "declared again here",
          secondary: [("2️⃣", "first declared here as a dimension")], help: "rename one of them"),
        DiagnosticSpec(
          .duplicateDeclaration, "`N` has two inputs named `a`", at: "5️⃣", secondary: [("6️⃣", "first one")]),
        DiagnosticSpec(
          .duplicateDeclaration, "`N` is declared twice", at: "3️⃣",
          secondary: [("4️⃣", "first declared here as a network")]),
        DiagnosticSpec(
          .duplicateDeclaration, "`dense` is the name of a built-in layer", at: "7️⃣", help: "choose another name"),
      ], warnings: false)
  }

  @Test func duplicateLocalsAndSettings() {
    assertCheck(
      Fixture.model(
        g: """
          net G(2️⃣z: [B, Z], y: [B] class(K)) -> [B, P] {
            let 4️⃣h = concat(z, one_hot(y))
            let 1️⃣z = h
            let 3️⃣h = z
            h |> dense(128) |> relu |> dense(P) |> tanh
          }
          """,
        train: """
          train {
            6️⃣steps 100
            5️⃣steps 200
            step d: minimize d_loss wrt D
            step g: minimize g_loss wrt G
          }
          """),
      [
        DiagnosticSpec(
          .duplicateDeclaration, "`z` is already defined in `G`", at: "1️⃣", secondary: [("2️⃣", "first defined here")],
          help: "choose another name"),
        DiagnosticSpec(
          .duplicateDeclaration, "`h` is already defined in `G`", at: "3️⃣", secondary: [("4️⃣", "first defined here")]),
        DiagnosticSpec(.duplicateOption, "`steps` is set twice", at: "5️⃣", secondary: [("6️⃣", "first set here")]),
      ], warnings: false)
  }

  // MARK: - One mistake, one error; several mistakes, all reported

  struct Mistake: CustomTestStringConvertible, Sendable {
    var name: String
    var code: DiagnosticCode
    var model: String
    /// Warnings that are true of the mistaken model, not follow-ons of the error.
    var warnings: [DiagnosticCode] = []
    var testDescription: String { name }
  }

  static let mistakes: [Mistake] = [
    .init(
      name: "unknown layer in G", code: .unknownLayer,
      model: Fixture.model(g: Fixture.g.replacingOccurrences(of: "|> relu", with: "|> rleu"))),
    .init(
      name: "unknown layer at the end of D", code: .unknownLayer,
      model: Fixture.model(d: Fixture.d.replacingOccurrences(of: "|> dense(1)", with: "|> dnese(1)"))),
    .init(
      name: "unknown layer in a body let", code: .unknownLayer,
      model: Fixture.model(
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            let h = concat(x, one_hot(y)) |> dnese(128)
            h |> relu |> dense(1)
          }
          """)),
    .init(
      name: "a network reading a top-level input", code: .wrongKindOfName,
      model: Fixture.model(
        g: Fixture.g.replacingOccurrences(of: "concat(z, one_hot(y))", with: "concat(z, one_hot(yf))")),
      // G's own `y` is then unused, which is the hint the writer needs.
      warnings: [.unusedDeclaration]),
    .init(
      name: "E0104 in D", code: .netOutputMismatch,
      model: Fixture.model(d: Fixture.d.replacingOccurrences(of: "|> dense(1)", with: "|> dense(3)"))),
    .init(
      name: "a wrong argument shape in a loss", code: .argumentShape,
      model: Fixture.model(
        losses: Fixture.losses.replacingOccurrences(of: "bce_logits(D(x, y), 1)", with: "bce_logits(D(z, y), 1)")),
      // `x` is then never used: true, since nothing else reads it.
      warnings: [.unusedDeclaration]),
    .init(
      name: "an unknown name in the shared fake", code: .unknownName,
      model: Fixture.model(losses: Fixture.losses.replacingOccurrences(of: "G(z, yf)", with: "G(z, yff)"))),
    .init(
      name: "an unknown name inside a network", code: .unknownName,
      model: Fixture.model(
        g: Fixture.g.replacingOccurrences(of: "concat(z, one_hot(y))", with: "concat(zz, one_hot(y))")),
      // Nothing suggests `z` for `zz`, so `z` is unused as far as the checker can tell.
      warnings: [.unusedDeclaration]),
    .init(
      name: "a typo of a network input", code: .unknownName,
      model: Fixture.model(
        d: """
          net D(image: [B, P], y: [B] class(K)) -> [B, 1] {
            concat(imgae, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(0.2) |> dense(1)
          }
          """)),
    .init(
      name: "a misspelt network in a step", code: .unknownName,
      model: Fixture.model(train: Fixture.train.replacingOccurrences(of: "wrt G", with: "wrt GG"))),
    .init(
      name: "a recursive binding", code: .recursiveNet,
      model: Fixture.model(extra: "let a = b + 1\nlet b = a * 2\nloss extra = mse(a, 0) + mse(b, 0)"),
      warnings: [.unusedDeclaration]),
    .init(
      name: "a network calling itself", code: .recursiveNet,
      model: Fixture.model(g: Fixture.g.replacingOccurrences(of: "|> tanh", with: "|> tanh |> G(y)"))),
    .init(
      name: "a layer outside a network", code: .wrongKindOfName,
      model: Fixture.model(extra: "let v = one_hot(y) |> dense(3)\nloss e = mse(v, 0)"),
      warnings: [.unusedDeclaration]),
    .init(
      name: "a bad input type", code: .unknownName,
      model: Fixture.model(header: Fixture.header.replacingOccurrences(of: "input x: [B, P]", with: "input x: [B, PP]"))
    ),
    .init(
      name: "a dimension with an unknown value", code: .unknownName,
      model: Fixture.model(header: Fixture.header.replacingOccurrences(of: "dim Z = 32", with: "dim Z = ZZ"))),
    .init(
      name: "a zero dimension", code: .optionRange,
      model: Fixture.model(header: Fixture.header.replacingOccurrences(of: "dim K = 10", with: "dim K = 0"))),
    .init(
      name: "a zero batch", code: .optionRange,
      model: Fixture.model(header: Fixture.header.replacingOccurrences(of: "batch B = 64", with: "batch B = 0"))),
    .init(
      name: "a bad type in G's signature", code: .unknownName,
      model: Fixture.model(g: Fixture.g.replacingOccurrences(of: "z: [B, Z]", with: "z: [B, Q]"))),
    .init(
      name: "a misspelt loss in a step", code: .unknownName,
      model: Fixture.model(train: Fixture.train.replacingOccurrences(of: "minimize g_loss", with: "minimize g_los"))),
    .init(
      name: "a size too large", code: .optionRange,
      model: Fixture.model(
        header: Fixture.header.replacingOccurrences(of: "dim P = 64", with: "dim P = 4611686018427387904 * 4"))),
    .init(
      name: "a negative learning rate", code: .optionRange,
      model: Fixture.model(
        train: Fixture.train.replacingOccurrences(of: "steps 100", with: "steps 100\n  optimizer adam(lr: -1)"))),
  ]

  @Test(arguments: mistakes)
  func oneMistakeGivesOneDiagnostic(_ m: Mistake) {
    let (model, diagnostics, file) = check(m.model)
    #expect(model == nil)
    let errors = diagnostics.filter { $0.severity == .error }
    let warnings = diagnostics.filter { $0.severity == .warning }
    #expect(errors.map(\.code) == [m.code], "\(describe(diagnostics, in: file))")
    #expect(warnings.map(\.code) == m.warnings, "\(describe(diagnostics, in: file))")
  }

  @Test func severalIndependentMistakesAreAllReported() {
    assertCheck(
      Fixture.model(
        g: """
          net G(z: [B, Z], y: [B] class(K)) -> [B, P] {
            concat(z, one_hot(y)) |> 1️⃣dnese(128) |> relu |> dense(P) |> tanh
          }
          """,
        d: """
          net D(x: [B, P], y: [B] class(K)) -> [B, 1] {
            concat(x, one_hot(y)) |> dense(128, in: P + K) |> leaky_relu(2️⃣3) |> dense(1)
          }
          """,
        losses: """
          let fake = G(z, yf)
          loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0) + mse(D(3️⃣z, y), 0)
          loss g_loss = bce_logits(D(fake, yf), 1)
          """,
        train: """
          train {
            steps 100
            optimizer adam(lr: 2e-4, 4️⃣bta1: 0.5)
            step d: minimize d_loss wrt D
            step g: minimize 5️⃣gloss wrt G
          }
          """),
      [
        DiagnosticSpec(.unknownLayer, "there is no layer or function named `dnese`", at: "1️⃣"),
        DiagnosticSpec(.optionRange, "`slope` of `leaky_relu` must be in (0, 1), but it is 3", at: "2️⃣"),
        DiagnosticSpec(
          .argumentShape, "input `x` of `D` is [B, P] = [64, 64], but it is given [B, Z] = [64, 32]", at: "3️⃣"),
        DiagnosticSpec(.unknownOption, "`adam` has no option `bta1`", at: "4️⃣", help: "did you mean `beta1`?"),
        DiagnosticSpec(.unknownName, "there is no loss named `gloss`", at: "5️⃣", help: "did you mean `g_loss`?"),
      ])
  }

  // MARK: - Model-level errors

  @Test func missingPieces() {
    assertCheck(
      "gan t\n1️⃣dim K = 3\n2️⃣",
      [
        DiagnosticSpec(
          .missingDeclaration, "the model does not declare its batch size", at: "1️⃣",
          help: "add a line such as `batch B = 64` and use `B` as the first dimension of inputs"),
        DiagnosticSpec(.missingDeclaration, "the model has no `train` block", at: "2️⃣"),
      ], warnings: false)
    assertCheck(
      Fixture.model(train: "1️⃣train {\n}"),
      [
        DiagnosticSpec(.missingOption, "the training block does not say how long to train", at: "1️⃣"),
        DiagnosticSpec(.noSteps, "the training block has no steps, so nothing would be trained", at: "1️⃣"),
      ], warnings: false)
  }

  @Test func inputsAreBatchesOfTheRightWidth() {
    assertCheck(
      Fixture.model(
        extra: """
          input a: 1️⃣[P] = digits.columns(0..<64)
          input b: [B, 2] = 2️⃣digits.columns(0..<3)
          noise c: [B] class(K) = 3️⃣normal(0, 1)
          """),
      [
        DiagnosticSpec(
          .rankMismatch,
          "an input is a batch, so its first dimension must be `B` (or made from it, like `B / 2`)", at: "1️⃣",
          help: "write `[B, P]`"),
        DiagnosticSpec(
          .dataColumns, "this input reads 3 columns per example, but its type [B, 2] holds 2", at: "2️⃣",
          help: "read exactly 2 columns, or change the declared shape"),
        DiagnosticSpec(.notAClassTensor, "class labels are drawn with `uniform`", at: "3️⃣"),
      ], warnings: false)
  }
}
