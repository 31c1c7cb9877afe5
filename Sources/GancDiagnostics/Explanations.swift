/// A file an explanation's example models read, by its path relative to the model.
public struct ExampleFile: Sendable, Hashable {
  public var path: String
  public var contents: String

  public init(_ path: String, _ contents: String) {
    self.path = path
    self.contents = contents
  }
}

/// The page `ganc explain CODE` prints for one diagnostic code.
///
/// `wrong` and `fixed` are complete models: `wrong` is reported with `code` when checked,
/// `fixed` checks without errors (and, for a warning, without that warning). The tests in
/// Tests/GancDriverTests/ExplainTests.swift check every page that way, with `files` written
/// next to the model, so a page cannot drift from what the checker says.
public struct Explanation: Sendable {
  public var code: DiagnosticCode
  /// What the code means, why ganc insists, and what usually causes it: paragraphs
  /// separated by blank lines, wrapped to fit a terminal.
  public var summary: String
  /// A small model with the mistake.
  public var wrong: String
  /// The same model with the mistake fixed.
  public var fixed: String
  /// What changed between `wrong` and `fixed`, as an imperative sentence ("Remove the `;`."),
  /// which the page prints after "To fix it, ".
  public var fix: String
  /// Data files both models expect next to them.
  public var files: [ExampleFile]

  public init(
    _ code: DiagnosticCode, summary: String, wrong: String, fixed: String, fix: String, files: [ExampleFile] = []
  ) {
    self.code = code
    self.summary = summary
    self.wrong = wrong
    self.fixed = fixed
    self.fix = fix
    self.files = files
  }
}

extension Explanation {
  /// The page for `code`, if there is one (every code in `DiagnosticCode.all` has one).
  public static func page(for code: DiagnosticCode) -> Explanation? {
    byCode[code.id]
  }

  /// The page for the code spelt `id`, case-insensitively.
  public static func named(_ id: String) -> Explanation? {
    byCode[id.uppercased()]
  }

  private static let byCode: [String: Explanation] = Dictionary(
    all.map { ($0.code.id, $0) }, uniquingKeysWith: { first, _ in first })
}

/// The two models every page is written against, so that the examples read alike: `ring`,
/// an unconditional GAN on the built-in ring of eight Gaussians (no data file), and
/// `conditional`, a conditional GAN on the four rows of `points.csv`.
enum ExampleModel {
  static let ring = """
    gan ring
    batch B = 8
    dim Z = 4

    data ring = ring8()
    input x: [B, 2] = ring
    noise z: [B, Z] = normal(0, 1)

    net G(z: [B, Z]) -> [B, 2] {
      z |> dense(16) |> relu |> dense(2)
    }
    net D(x: [B, 2]) -> [B, 1] {
      x |> dense(16) |> relu |> dense(1)
    }

    let fake = G(z)
    loss d_loss = bce_logits(D(x), 1) + bce_logits(D(detach(fake)), 0)
    loss g_loss = bce_logits(D(fake), 1)

    train {
      steps 100
      step d: minimize d_loss wrt D
      step g: minimize g_loss wrt G
    }

    """

  static let conditional = """
    gan cgan
    batch B = 4
    dim Z = 4
    dim K = 3

    data points = csv("points.csv")
    input x: [B, 2] = points.columns(0..<2)
    input y: [B] class(K) = points.column(2)
    noise z: [B, Z] = normal(0, 1)
    noise yf: [B] class(K) = uniform

    net G(z: [B, Z], y: [B] class(K)) -> [B, 2] {
      concat(z, one_hot(y)) |> dense(16, in: Z + K) |> relu |> dense(2)
    }
    net D(x: [B, 2], y: [B] class(K)) -> [B, 1] {
      concat(x, one_hot(y)) |> dense(16, in: 2 + K) |> relu |> dense(1)
    }

    let fake = G(z, yf)
    loss d_loss = bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)
    loss g_loss = bce_logits(D(fake, yf), 1)

    train {
      steps 100
      step d: minimize d_loss wrt D
      step g: minimize g_loss wrt G
    }

    """

  /// A small convolutional GAN on 8×8 images (random stand-ins, so no data file).
  static let image = """
    gan conv
    batch B = 4
    dim Z = 4

    noise x: [B, 8, 8, 1] = uniform(-1, 1)    # stands in for real images
    noise z: [B, Z] = normal(0, 1)

    net G(z: [B, Z]) -> [B, 8, 8, 1] {
      z |> dense(64) |> reshape(B, 4, 4, 4) |> conv_transpose2d(1, kernel: 4, stride: 2, padding: 1) |> tanh
    }
    net D(x: [B, 8, 8, 1]) -> [B, 1] {
      x |> conv2d(4, kernel: 4, stride: 2, padding: 1) |> leaky_relu(0.2) |> flatten |> dense(1)
    }

    let fake = G(z)
    loss d_loss = bce_logits(D(x), 1) + bce_logits(D(detach(fake)), 0)
    loss g_loss = bce_logits(D(fake), 1)

    train {
      steps 100
      step d: minimize d_loss wrt D
      step g: minimize g_loss wrt G
    }

    """

  /// Two coordinates and a class label in `0..<3` per row.
  static let points = ExampleFile(
    "points.csv",
    """
    0.1,0.2,0
    0.5,0.4,1
    0.9,0.8,2
    0.3,0.7,1

    """)
}

extension String {
  /// This text with each `(old, new)` replacement made; each `old` must occur exactly once.
  fileprivate func edited(_ edits: (String, String)...) -> String {
    var text = self
    for (old, new) in edits {
      precondition(text.ranges(of: old).count == 1, "an example edit must match exactly once: \(old)")
      text = text.replacing(old, with: new)
    }
    return text
  }
}

extension Explanation {
  /// Every page, in the order of `DiagnosticCode.all`.
  public static let all: [Explanation] = [
    // MARK: - Lexing and syntax

    Explanation(
      .invalidCharacter,
      summary: #"""
        A model is written with ASCII letters, digits, strings and a small set of punctuation
        (the list is at the end of grammar/ganc.ebnf). Any other character cannot start a
        token, so ganc reports it and skips it.

        It is usually a habit from another language: a `;` at the end of a line (in ganc a
        statement ends where its line ends), `@` for a matrix product (use a `dense` layer),
        `$` or `!`, or curly quotes pasted from a web page around a file name.
        """#,
      wrong: ExampleModel.ring.edited(("let fake = G(z)", "let fake = G(z);")),
      fixed: ExampleModel.ring,
      fix: "Remove the `;`."),

    Explanation(
      .unterminatedString,
      summary: #"""
        Strings appear in one place in a model: the path of a CSV file, as in
        `csv("points.csv")`. A string must end on the line it starts on, with a closing `"`.
        Without one, ganc cannot tell where the path ends, so it reports the string and
        reads the rest of the line as part of it.

        The closing quote was usually lost while editing the path. A backslash escapes the
        next character, so a path that ends in a backslash before the quote also leaves the
        string open: write paths with `/`, which works everywhere.
        """#,
      wrong: ExampleModel.conditional.edited((#"csv("points.csv")"#, #"csv("points.csv)"#)),
      fixed: ExampleModel.conditional,
      fix: "Close the string with a `\"`.",
      files: [ExampleModel.points]),

    Explanation(
      .invalidNumber,
      summary: #"""
        A number is digits with an optional fraction and exponent: `64`, `0.5`, `2e-4`, and
        `60_000` (underscores only separate digits). ganc reports a number that runs straight
        into letters (`10k`, `3epochs`), an exponent without digits (`2e`), and a whole
        number too large for 64 bits.

        Papers and configuration files say "10k steps"; in a model, write the number out.
        A number followed by a name needs an operator between them, as in `2 * K`.
        """#,
      wrong: ExampleModel.ring.edited(("steps 100", "steps 10k")),
      fixed: ExampleModel.ring.edited(("steps 100", "steps 10_000")),
      fix: "Write the number out; underscores may group its digits."),

    Explanation(
      .unexpectedToken,
      summary: #"""
        The parser found a token where the grammar allows something else: a declaration
        without its `:`, `=` or `->`, more on a line after a complete statement, a top-level
        binding without `let`. The message says what was expected, and the label points at
        what was found. The grammar is in grammar/ganc.ebnf.

        Python habits cause most of these: `name=value` for a labelled argument (ganc writes
        `name: value`, as Swift does), `x = ...` without `let`, two statements on one line.
        ganc reports the first unexpected token of a statement and goes on at the next line,
        so one slip gives one error.
        """#,
      wrong: ExampleModel.ring.edited(("z |> dense(16)", "z |> dense(units=16)")),
      fixed: ExampleModel.ring.edited(("z |> dense(16)", "z |> dense(units: 16)")),
      fix: "Write the label with a `:`."),

    Explanation(
      .unclosedDelimiter,
      summary: #"""
        A `(`, `[` or `{` was opened, and the line (or, for a `{`, the file) ended before
        its partner. In ganc an open bracket does not carry an expression onto the next
        line: a line break while a `(` or `[` is open, with no `,` just before it, means the
        bracket was never closed. The error points where the closer was expected and at the
        bracket that opened.

        It usually happens while wrapping a call in another one, such as `concat(...)` or
        `detach(...)`, or when a `net` or `train` block loses its `}`.
        """#,
      wrong: ExampleModel.ring.edited(("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(fake), 1")),
      fixed: ExampleModel.ring,
      fix: "Close the call of `bce_logits` at the end of its line."),

    Explanation(
      .unknownKeyword,
      summary: #"""
        A top-level line starts with a declaration keyword (`gan`, `batch`, `dim`, `data`,
        `input`, `noise`, `net`, `let`, `loss`, `train`), and a line of a `train` block with
        a setting (`steps`, `epochs`, `seed`, `optimizer`, `log`, `checkpoint`, `step`,
        `sample`). This line starts with a word that is neither but is close to one, so it is
        most likely a misspelling; the help names the word ganc thinks was meant.

        British spellings (`optimiser`) and a missing plural (`epoch`) are the usual cases.
        """#,
      wrong: ExampleModel.ring.edited(("  steps 100\n", "  steps 100\n  optimiser adam(lr: 2e-4, beta1: 0.5)\n")),
      fixed: ExampleModel.ring.edited(("  steps 100\n", "  steps 100\n  optimizer adam(lr: 2e-4, beta1: 0.5)\n")),
      fix: "Spell the setting `optimizer`."),

    Explanation(
      .duplicateDeclaration,
      summary: #"""
        Every name in a model means one thing: a dimension, a data set, an input, a noise, a
        network, a value or a loss. A second declaration of a name would make each use of it
        ambiguous, so ganc reports it and points at both. The same holds for a name that
        would hide a built-in such as `dense` or `mean`, two inputs of one network, two
        `let`s in one body, two steps with one name, and a second `batch`, `train` block or
        `gan` line.

        A Python training loop rebinds names freely, as in `fake = fake.detach()`. In ganc a
        `let` is a definition, not an assignment: give the new value its own name, or write
        `detach(fake)` where it is used.
        """#,
      wrong: ExampleModel.ring.edited(
        ("let fake = G(z)\n", "let fake = G(z)\nlet fake = detach(fake)\n"),
        ("bce_logits(D(detach(fake)), 0)", "bce_logits(D(fake), 0)")),
      fixed: ExampleModel.ring,
      fix: "Detach the fakes where the discriminator's loss uses them, instead of rebinding `fake`."),

    Explanation(
      .missingDeclaration,
      summary: #"""
        Every model needs three things: its `gan NAME` first line, a `batch` dimension, and
        a `train` block. The batch dimension tells ganc which axis of each input is the batch
        (inputs are written `[B, ...]`), and the `train` block says what to compile.

        `dim B = 64` declares an ordinary size; the batch size is declared with `batch`.
        There is exactly one, and sampling may run the networks with another batch size,
        which is also why a layer cannot be sized by it (E0109).
        """#,
      wrong: ExampleModel.ring.edited(("batch B = 8", "dim B = 8")),
      fixed: ExampleModel.ring,
      fix: "Declare `B` with `batch`."),

    // MARK: - Shapes

    Explanation(
      .layerInputWidth,
      summary: #"""
        `dense(units, in: n)` says that the layer expects rows of width `n`, and the width it
        is fed, the last dimension of its input, is different: its weight matrix, `[n,
        units]`, cannot be applied. The label shows the expected width as written and its
        value, the secondary label shows where the input's shape comes from, and the note
        gives the dimensions involved.

        In a conditional GAN this is almost always a forgotten `concat`: the first layer was
        sized for the data and the one-hot label (`in: P + K`), but the label was never
        joined to the input. PyTorch reports it in the first forward pass ("mat1 and mat2
        shapes cannot be multiplied"), and Keras when the model is built, deep in a stack
        trace; ganc points at the layer. `in:` is optional: give it on the first layer of a
        network so that this check can catch the mistake.
        """#,
      wrong: ExampleModel.conditional.edited(
        ("concat(x, one_hot(y)) |> dense(16, in: 2 + K)", "x |> dense(16, in: 2 + K)")),
      fixed: ExampleModel.conditional,
      fix: "Join the one-hot label to the input before the first layer, as `in: 2 + K` expects.",
      files: [ExampleModel.points]),

    Explanation(
      .shapeMismatch,
      summary: #"""
        A loss compares a prediction with a target element by element, and `+ - * /`
        combine tensors element by element. Both sides must have the same shape, or one of
        them must be a single number, as in `bce_logits(D(x), 1)`: ganc never broadcasts one
        tensor against another.

        That is deliberate. In PyTorch, a `[B, 1]` prediction against a `[B]` target is an
        error for `BCEWithLogitsLoss`, but `MSELoss` only warns and broadcasts both to
        `[B, B]`, and `x - y` does the same silently: the loop trains on the wrong quantity.
        A trailing dimension of 1 is the usual cause: the discriminator returns `[B, 1]` and
        the targets were made `[B]`. Give both the same shape, or `squeeze` the prediction.
        """#,
      wrong: ExampleModel.ring.edited(
        ("noise z: [B, Z] = normal(0, 1)\n", "noise z: [B, Z] = normal(0, 1)\nnoise smooth: [B] = uniform(0.8, 1.0)\n"),
        ("bce_logits(D(x), 1)", "bce_logits(D(x), smooth)")),
      fixed: ExampleModel.ring.edited(
        (
          "noise z: [B, Z] = normal(0, 1)\n",
          "noise z: [B, Z] = normal(0, 1)\nnoise smooth: [B, 1] = uniform(0.8, 1.0)\n"
        ),
        ("bce_logits(D(x), 1)", "bce_logits(D(x), smooth)")),
      fix: "Draw the smoothed labels with the discriminator's shape, `[B, 1]`."),

    Explanation(
      .wrongArgumentCount,
      summary: #"""
        Each layer and function takes a fixed number of tensors (`relu` one, a loss two,
        `concat` at least two), and a network exactly the inputs it declares. This call has
        too many or too few. Options come after the tensors, by position or by label, and
        `x |> dense(16)` is the call `dense(x, 16)`: the value left of `|>` is the first
        argument.

        A loss takes the prediction first and the target second, like PyTorch's loss
        modules. Forgetting the target, or calling a conditional network without its label,
        are the usual causes.
        """#,
      wrong: ExampleModel.ring.edited(("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(fake))")),
      fixed: ExampleModel.ring,
      fix: "Give the loss its target: the generator wants its fakes scored as real, 1."),

    Explanation(
      .netOutputMismatch,
      summary: #"""
        A network's header declares what it returns, as in `net D(x: [B, 2]) -> [B, 1]`,
        and its body, the last line inside the braces, gives a value of another shape. ganc
        checks the body against the header so that every call can rely on the header alone.

        The last layer is the usual cause: a discriminator that stops after a hidden layer,
        without the `dense(1)` that gives one score per example, or a generator whose last
        `dense` does not give the data's width. The label points at the layer whose value is
        returned.
        """#,
      wrong: ExampleModel.ring.edited(("x |> dense(16) |> relu |> dense(1)", "x |> dense(16) |> relu")),
      fixed: ExampleModel.ring,
      fix: "End the discriminator with `dense(1)`: one score per example."),

    Explanation(
      .argumentShape,
      summary: #"""
        A network's inputs have declared shapes, and every call must pass values of exactly
        those shapes. ganc checks each call against the header, so a discriminator is never
        fed something the size of the noise, nor a generator the data.

        In a hand-written loop, `D(z)` where `D(G(z))` was meant fails only when the first
        matrix product finds that the widths differ, or, worse, runs if the noise happens to
        have the data's width. Check which value the call should receive; the note gives the
        sizes involved.
        """#,
      wrong: ExampleModel.ring.edited(("D(detach(fake))", "D(detach(z))")),
      fixed: ExampleModel.ring,
      fix: "Score the generated samples, not the noise they were made from."),

    Explanation(
      .notAClassTensor,
      summary: #"""
        ganc has two kinds of tensor: numbers, and class labels (`[B] class(K)`, whole
        numbers in `0..<K`). Layers, losses, arithmetic and `concat` need numbers; labels
        become numbers with `one_hot(y)`, which gives `[B, K]`. A network input declared
        `class(K)` must be given labels, a network returns numbers, and noise made of labels
        is drawn with `uniform`.

        Keeping the two apart catches the classic conditional-GAN slip: joining the raw
        label to the data. In PyTorch, `torch.cat([x, y], 1)` with integer labels fails with a
        type error, or, once the labels are cast to floats, trains on a class number
        instead of a one-hot row.
        """#,
      wrong: ExampleModel.conditional.edited(("concat(x, one_hot(y))", "concat(x, y)")),
      fixed: ExampleModel.conditional,
      fix: "Turn the labels into one-hot rows before joining them to the data.",
      files: [ExampleModel.points]),

    Explanation(
      .classCountMismatch,
      summary: #"""
        Class labels carry their class count in their type, `[B] class(K)`, and every place
        they go must agree with it: `one_hot(y, classes: 10)` on labels of 3 classes, or
        labels of 10 classes passed to an input declared `class(K)`, would make one-hot rows
        of the wrong width.

        The usual cause is a number copied from an MNIST example. Drop the `classes:` option
        (the count comes from the labels' type) or use the declared dimension.
        """#,
      wrong: ExampleModel.conditional.edited(("concat(z, one_hot(y))", "concat(z, one_hot(y, classes: 10))")),
      fixed: ExampleModel.conditional,
      fix: "Drop `classes: 10`; the labels say how many classes there are.",
      files: [ExampleModel.points]),

    Explanation(
      .rankMismatch,
      summary: #"""
        A value has the wrong number of dimensions for its place. Inputs, noise, and the
        inputs and outputs of networks are batches, so their first dimension is the batch
        (`[B, ...]`); `dense` needs at least `[B, n]`; `squeeze` never removes the batch axis;
        samples must be a batch of tensors; and a loss's first operand is the prediction, a
        tensor, while only the second, the target, may be a single number.

        Two habits cause most of these: declaring the noise per example, `[Z]` (as in
        PyTorch's `torch.randn(nz)`), instead of `[B, Z]`, and putting the target first in a
        loss, as in `bce_logits(1, D(fake))`.
        """#,
      wrong: ExampleModel.ring.edited(("bce_logits(D(fake), 1)", "bce_logits(1, D(fake))")),
      fixed: ExampleModel.ring,
      fix: "Write the prediction first and the target second."),

    Explanation(
      .batchDimInParameter,
      summary: #"""
        A layer's size fixes the shape of its parameters, and parameters must not depend on
        the batch size: ganc runs the networks with another batch size when it samples
        (`ganc sample -n 1000`), and a checkpoint must load whatever the batch. So the batch
        dimension cannot size a layer.

        If a hidden width happens to equal the batch size, give it a `dim` of its own.
        """#,
      wrong: ExampleModel.ring.edited(("z |> dense(16)", "z |> dense(B)")),
      fixed: ExampleModel.ring.edited(("dim Z = 4\n", "dim Z = 4\ndim H = 16\n"), ("z |> dense(16)", "z |> dense(H)")),
      fix: "Size the layer with a dimension of its own."),

    Explanation(
      .notScalar,
      summary: #"""
        A step minimizes a loss, and only a single number can be minimized: a tensor has no
        one direction of steepest descent. The loss functions (`bce_logits`, `bce`, `mse`,
        `l1`) already return the mean over all elements, and `mean(x)` or `sum(x)` reduce any
        other expression.

        In PyTorch this is "grad can be implicitly created only for scalar outputs" at
        `backward()`. It usually happens when a Wasserstein loss is written by hand: the
        critic's scores `D(fake)` are `[B, 1]`, and the generator's loss is minus their
        mean.
        """#,
      wrong: ExampleModel.ring.edited(
        ("bce_logits(D(x), 1) + bce_logits(D(detach(fake)), 0)", "mean(D(detach(fake))) - mean(D(x))"),
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = -D(fake)")),
      fixed: ExampleModel.ring.edited(
        ("bce_logits(D(x), 1) + bce_logits(D(detach(fake)), 0)", "mean(D(detach(fake))) - mean(D(x))"),
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = -mean(D(fake))")),
      fix: "Average the critic's scores, as the discriminator's loss already does."),

    Explanation(
      .layoutMismatch,
      summary: #"""
        Some operations move values around without changing them, and their sizes must fit
        exactly. `reshape` keeps every element, so the new shape must hold as many as the
        old one; `squeeze` removes an axis of size 1; `concat` joins along the last axis, so
        all the other dimensions must agree; and a sample view must fit each sample:
        `image(h, w)` shows h × w values, `scatter` two.

        The usual causes are PacGAN packing, `reshape(x, B / M, 2 * M)`, with a size that
        does not match the data's width, and a sample view copied from another model, such
        as an 8 × 8 image for 2-D points.
        """#,
      wrong: ExampleModel.ring.edited(
        (
          "  step g: minimize g_loss wrt G\n",
          "  step g: minimize g_loss wrt G\n  sample every 50: G(z) as image(8, 8)\n"
        )),
      fixed: ExampleModel.ring.edited(
        ("  step g: minimize g_loss wrt G\n", "  step g: minimize g_loss wrt G\n  sample every 50: G(z) as scatter\n")),
      fix: "Show 2-D samples as a scatter plot."),

    Explanation(
      .convolutionArithmetic,
      summary: #"""
        A convolution, pooling or upsampling layer does not fit the size of its input. A
        convolution's output has (input + 2 × padding − kernel) / stride + 1 positions along
        each axis, and that must be a whole, positive number; a transposed convolution's has
        (input − 1) × stride − 2 × padding + kernel + output_padding. Average pooling needs
        sizes that divide by its window.

        This is the arithmetic that hand-written GANs do in comments (`# 7 × 7 × 256`) and
        get wrong when a layer changes: a kernel of 5 where the next line expects 4, a stride
        that no longer halves the image. The message shows the computation; the help
        suggests a padding that works, and `ganc check --shapes` prints the size after every
        layer.
        """#,
      wrong: ExampleModel.image.edited(
        ("conv2d(4, kernel: 4, stride: 2, padding: 1)", "conv2d(4, kernel: 5, stride: 2, padding: 1)")),
      fixed: ExampleModel.image,
      fix: "Use a kernel that fits: with stride 2 and padding 1, a kernel of 4 halves an even size."),

    Explanation(
      .sliceOutOfRange,
      summary: #"""
        A subscript selects positions an axis does not have. `h[:, a:b]` takes entries a to
        b − 1 of axis 1; bounds may be left out (`1:`, `:-1`) and negative ones count from
        the end, but they must stay inside the axis, and the slice must not be empty. An
        index such as `h[:, 0]` must be a position of the axis; it drops the axis.

        Python clamps a slice that runs past the end and silently returns fewer entries;
        ganc rejects it, because a sequence that is quietly shorter than it should be is how
        time-shifted losses come to compare the wrong steps.
        """#,
      wrong: ExampleModel.ring.edited(
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(fake), 1) + mse(fake[:, 2:], x[:, 2:])")),
      fixed: ExampleModel.ring.edited(
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(fake), 1) + mse(fake[:, 1:], x[:, 1:])")),
      fix: "Select entries the axis has: `1:` of an axis of 2 is its last entry."),

    Explanation(
      .shiftedSliceMismatch,
      summary: #"""
        Two slices of the same axis are compared, but they have different lengths. This is
        the shape of TimeGAN's supervised loss: the latent sequence shifted by one step,
        `h[:, 1:, :]`, against the supervisor's prediction without its last step,
        `h_hat[:, :-1, :]`. Both drop one step, so both have T − 1 entries and step t of one
        lines up with step t of the other.

        When the two shifts differ (`1:` against `:-2`), the lengths differ and the steps no
        longer line up; in TensorFlow or PyTorch this is a broadcasting error at run time, or
        worse, no error at all when one side has length 1.
        """#,
      wrong: ExampleModel.ring.edited(
        (
          "loss g_loss = bce_logits(D(fake), 1)",
          "loss g_loss = bce_logits(D(fake), 1) + mse(concat(fake, x)[:, 1:], concat(x, fake)[:, :-2])"
        )),
      fixed: ExampleModel.ring.edited(
        (
          "loss g_loss = bce_logits(D(fake), 1)",
          "loss g_loss = bce_logits(D(fake), 1) + mse(concat(fake, x)[:, 1:], concat(x, fake)[:, :-1])"
        )),
      fix: "Shift both slices by the same number of steps: `1:` against `:-1`."),

    Explanation(
      .notDifferentiable,
      summary: #"""
        `accuracy` counts how many logits fall on the right side of 0. Counting has no
        gradient, so a loss built from it could not train anything; ganc allows it only in
        a `metric`, which is evaluated after each iteration's steps and logged beside the
        losses in `metrics.csv` and the progress lines.
        """#,
      wrong: ExampleModel.ring.edited(
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(fake), 1) + accuracy(D(fake), 1)")),
      fixed: ExampleModel.ring.edited(
        (
          "loss g_loss = bce_logits(D(fake), 1)",
          "loss g_loss = bce_logits(D(fake), 1)\nmetric fooled = accuracy(D(fake), 1)"
        )),
      fix: "Measure it in a `metric` instead of adding it to a loss."),

    // MARK: - Names

    Explanation(
      .unknownName,
      summary: #"""
        A name is used that nothing declares: not a dimension, data set, input, noise,
        network, value or loss at the top level, nor an input or `let` of the network whose
        body this is. When a declared name is close, the help suggests it.

        Names are case-sensitive. A name may be used before the line that declares it, except
        a dimension inside another dimension's value.
        """#,
      wrong: ExampleModel.ring.edited(("D(detach(fake))", "D(detach(fakes))")),
      fixed: ExampleModel.ring,
      fix: "Use the name as declared: `fake`."),

    Explanation(
      .unknownLayer,
      summary: #"""
        A call names a layer or function that ganc does not have. The built-ins (listed with
        their options in grammar/ganc.ebnf) include `dense`, `relu`, `leaky_relu`, `tanh`,
        `sigmoid`, `concat`, `one_hot`, `reshape`, `squeeze`, `detach`, `mean`, `sum`,
        `variance`, `std`, `abs`, `sqrt`, `exp`, `log`, `square` and the losses `bce_logits`,
        `bce`, `mse` and `l1`; any other name called must be a `net` of the model.

        Names from PyTorch, Keras or TensorFlow are the usual cause: `Linear` is `dense`,
        `cat` is `concat`, `BCEWithLogitsLoss` is `bce_logits`, `stop_gradient` is `detach`.
        The help names the built-in when it knows it.
        """#,
      wrong: ExampleModel.ring.edited(("z |> dense(16)", "z |> linear(16)")),
      fixed: ExampleModel.ring,
      fix: "Call the layer by ganc's name, `dense`."),

    Explanation(
      .wrongKindOfName,
      summary: #"""
        A name is declared, but as the wrong kind of thing for where it is used: a network
        used as a value without being called, a dimension called like a function, a value
        where a step expects a loss, a data set where a tensor is needed, or a network body
        using a top-level input that the network was not given.

        The last is the common one. A network sees only its own inputs: its parameters are
        shared by all its calls, and each call passes what that call should see, so the real
        and the fake branch of a conditional discriminator can be given different labels. A
        body that reached for the top-level `y` would use the real labels for the fakes too.
        In PyTorch, that is a `forward()` that reads a global instead of its argument.
        """#,
      wrong: ExampleModel.conditional.edited(
        ("net D(x: [B, 2], y: [B] class(K))", "net D(x: [B, 2])"),
        (
          "bce_logits(D(x, y), 1) + bce_logits(D(detach(fake), yf), 0)",
          "bce_logits(D(x), 1) + bce_logits(D(detach(fake)), 0)"
        ),
        ("bce_logits(D(fake, yf), 1)", "bce_logits(D(fake), 1)")),
      fixed: ExampleModel.conditional,
      fix: "Make the labels an input of `D`, and pass the right labels at each call.",
      files: [ExampleModel.points]),

    Explanation(
      .recursiveNet,
      summary: #"""
        A network calls itself, directly or through other networks, or a top-level `let` is
        defined in terms of itself. ganc unrolls networks when it compiles a step, so a
        network that called itself would never finish unrolling, and a value defined by
        itself has no value at all.

        To apply more layers, write them out in the body; to apply a network to its own
        output, call it twice from outside, as in `D(D(x))` when the shapes allow it.
        """#,
      wrong: ExampleModel.ring.edited(
        ("x |> dense(16) |> relu |> dense(1)", "x |> dense(16) |> relu |> dense(2) |> D")),
      fixed: ExampleModel.ring.edited(
        ("x |> dense(16) |> relu |> dense(1)", "x |> dense(16) |> relu |> dense(16) |> relu |> dense(1)")),
      fix: "Write the extra layers out instead of calling `D` from its own body."),

    // MARK: - Gradient wiring and schedule

    Explanation(
      .lossDoesNotReach,
      summary: #"""
        `step NAME: minimize LOSS wrt NET` moves the parameters of NET along the gradient of
        LOSS. Here the loss does not depend on the network at all, or depends on it only
        through `detach`, which passes values forward and stops gradients: the gradient is
        zero, and the step would do nothing, every iteration.

        This is one of the most common silent bugs of hand-written GAN loops: the generator's
        loss computed on the detached fakes made for the discriminator's step
        (`D(fake.detach())` in PyTorch), or a generator step under a `GradientTape` that never
        saw the generator. The loop runs, the discriminator wins, and the generator never
        changes. ganc works out which networks each loss reaches and refuses to train a
        network that its loss cannot move. A network without parameters cannot be trained
        either; remove it from `wrt`.
        """#,
      wrong: ExampleModel.ring.edited(
        ("loss g_loss = bce_logits(D(fake), 1)", "loss g_loss = bce_logits(D(detach(fake)), 1)")),
      fixed: ExampleModel.ring,
      fix: "Detach the fakes only in the discriminator's loss; the generator's loss must reach `G`."),

    Explanation(
      .notANetwork,
      summary: #"""
        The names after `wrt` in a step are the networks whose parameters the step changes,
        and this one is a value, an input, a loss or a dimension. Gradients are taken with
        respect to parameters, and only networks have them.

        `wrt fake`, meaning "with respect to the generator's output", is the usual cause.
        TensorFlow writes `tape.gradient(g_loss, generator.trainable_variables)`; ganc
        writes `minimize g_loss wrt G`.
        """#,
      wrong: ExampleModel.ring.edited(("minimize g_loss wrt G", "minimize g_loss wrt fake")),
      fixed: ExampleModel.ring,
      fix: "Name the network that makes `fake`."),

    Explanation(
      .noSteps,
      summary: #"""
        A `train` block says how to train: for how long, with which optimizer, and in which
        steps. Without a `step NAME: minimize LOSS wrt NET` line there is nothing to train,
        and every network would keep its initial weights.

        A GAN usually has two steps, run in order every iteration: the discriminator's, then
        the generator's. A step may be repeated (`repeat 5`, as for a WGAN critic) and may
        have its own optimizer (`using adam(lr: 1e-4)`).
        """#,
      wrong: ExampleModel.ring.edited(
        (
          "  step d: minimize d_loss wrt D\n  step g: minimize g_loss wrt G\n",
          "  optimizer adam(lr: 2e-4, beta1: 0.5)\n"
        )),
      fixed: ExampleModel.ring.edited(
        (
          "  step d: minimize d_loss wrt D\n",
          "  optimizer adam(lr: 2e-4, beta1: 0.5)\n  step d: minimize d_loss wrt D\n"
        )),
      fix: "Add a step for each network: the discriminator's, then the generator's."),

    // MARK: - Options and values

    Explanation(
      .unknownOption,
      summary: #"""
        A labelled argument names an option that the layer, function or setting does not
        have. The help suggests the closest option, or lists them all (they are also listed
        at the top of grammar/ganc.ebnf). A network takes its inputs by position, without
        labels.

        Keras and PyTorch names are the usual cause: Keras's `LeakyReLU(alpha=0.2)` and
        PyTorch's `negative_slope` are `leaky_relu(slope: 0.2)`, or just `leaky_relu(0.2)`;
        PyTorch's `betas` are `adam(beta1: ..., beta2: ...)`. An activation is a stage of its
        own, `|> relu`, not an option of `dense`.
        """#,
      wrong: ExampleModel.ring.edited(("x |> dense(16) |> relu", "x |> dense(16) |> leaky_relu(alpha: 0.2)")),
      fixed: ExampleModel.ring.edited(("x |> dense(16) |> relu", "x |> dense(16) |> leaky_relu(slope: 0.2)")),
      fix: "Call the option `slope`."),

    Explanation(
      .optionType,
      summary: #"""
        An option or setting was given a value of the wrong kind: a real number where a whole
        number is needed (`steps`, `seed`, sizes), something other than `true` or `false`
        for a flag, a string where a tensor is expected, or something other than a range
        where columns are selected.

        `steps 1e4` is the usual case: Python takes `1e4` as a count, but it is a real
        number. Write `10000`, or `10_000`.
        """#,
      wrong: ExampleModel.ring.edited(("steps 100", "steps 1e4")),
      fixed: ExampleModel.ring.edited(("steps 100", "steps 10_000")),
      fix: "Write the number of steps as a whole number."),

    Explanation(
      .optionRange,
      summary: #"""
        A value is of the right kind but out of the range that makes sense: a learning rate
        outside (0, 1], Adam's betas outside [0, 1), a `leaky_relu` slope outside (0, 1), a
        size or dimension that is not positive, a division of dimensions that is not whole,
        an empty column range, `repeat 0`.

        ganc checks these before training because they do not fail when training starts: a
        learning rate of `2e4`, a lost minus sign in `2e-4`, gives NaNs some iterations
        later.
        """#,
      wrong: ExampleModel.ring.edited(("  steps 100\n", "  steps 100\n  optimizer adam(lr: 2e4, beta1: 0.5)\n")),
      fixed: ExampleModel.ring.edited(("  steps 100\n", "  steps 100\n  optimizer adam(lr: 2e-4, beta1: 0.5)\n")),
      fix: "Restore the minus sign of the exponent."),

    Explanation(
      .missingOption,
      summary: #"""
        A required option is missing: `dense` needs its `units`, `csv` its path, `image` its
        height and width, and a `train` block must say how long to train, with `steps N`
        (iterations) or `epochs N` (passes over the data). These have no defaults, because
        no default would suit most models.
        """#,
      wrong: ExampleModel.ring.edited(("  steps 100\n", "")),
      fixed: ExampleModel.ring,
      fix: "Say how many iterations to train for."),

    Explanation(
      .duplicateOption,
      summary: #"""
        An option or setting is given twice: one labelled argument twice in a call, a
        setting twice in a `train` block, a network named twice after `wrt`, two `sample`
        lines, or both `steps` and `epochs`, which both say how long to train. ganc does not
        silently pick one of them; keep the one you mean.
        """#,
      wrong: ExampleModel.ring.edited(("  steps 100\n", "  steps 100\n  epochs 20\n")),
      fixed: ExampleModel.ring,
      fix: "Keep one of `steps` and `epochs`."),

    // MARK: - Data

    Explanation(
      .dataColumns,
      summary: #"""
        An input reads columns of a data set, and they must fit its type:
        `input x: [B, 2] = points.columns(0..<2)` reads two columns for the two values of
        each example. ganc also checks the data itself when `ganc check` or `ganc train`
        loads it: the file must have the columns that the inputs read, and a column of class
        labels must hold whole numbers in `0..<K`.

        The usual causes are a column range one too wide, which reads the label column as a
        feature (the `data[:, :-1]` slice gone wrong), and labels that count from 1, as some
        exports do, where ganc's count from 0.
        """#,
      wrong: ExampleModel.conditional.edited(("points.columns(0..<2)", "points.columns(0..<3)")),
      fixed: ExampleModel.conditional,
      fix: "Read only the two coordinate columns; column 2 holds the labels.",
      files: [ExampleModel.points]),

    Explanation(
      .dataFile,
      summary: #"""
        A CSV data set cannot be read: the file does not exist or cannot be opened, a row is
        malformed, or it has no rows. A path in `csv("...")` is relative to the model file,
        not to the directory ganc runs in, so a model checks and trains the same from
        anywhere.

        The usual causes are a path written relative to the project's root instead of the
        model, and a model moved away from its data.
        """#,
      wrong: ExampleModel.conditional.edited((#"csv("points.csv")"#, #"csv("data/points.csv")"#)),
      fixed: ExampleModel.conditional,
      fix: "Write the path relative to the model file: `points.csv` is next to it.",
      files: [ExampleModel.points]),

    // MARK: - Warnings

    Explanation(
      .untrainedNetwork,
      summary: #"""
        A network has parameters, but no step names it after `wrt`, so its parameters keep
        their random initial values for the whole run. It is a warning rather than an error
        because a fixed random network can be intended, but in a GAN it usually means that a
        step is missing.

        In a PyTorch loop, this is the missing `opt_G.step()`: everything runs, the losses
        are printed, and the generator never learns.
        """#,
      wrong: ExampleModel.ring.edited(("  step g: minimize g_loss wrt G\n", "")),
      fixed: ExampleModel.ring,
      fix: "Add the generator's step."),

    Explanation(
      .unusedDeclaration,
      summary: #"""
        Something is declared and never used: a dimension, data set, input, noise, value,
        loss or network, a `let` in a network's body, or an input that the network's body
        ignores. It does no harm to training, but it often points at a mistake.

        An unused network input is the mark of a conditional network that forgot its label:
        `y` is declared and passed at every call, but never joined to the input with
        `concat(..., one_hot(y))`. The generator then ignores the class it is asked for, and
        a PyTorch loop shows it only when the samples come out in the wrong classes.
        """#,
      wrong: ExampleModel.conditional.edited(("concat(z, one_hot(y)) |> dense(16, in: Z + K)", "z |> dense(16)")),
      fixed: ExampleModel.conditional,
      fix: "Join the one-hot label to the noise, so the generator can use it.",
      files: [ExampleModel.points]),
  ]
}
