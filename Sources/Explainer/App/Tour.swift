import Lessons
import TinyTransformer

extension ExplainerApp {
  /// The words of the built-in walkthrough and the sentence it reads: "the cat sat on the mat . the dog ran".
  static let tourWords = ["the", "cat", "sat", "on", "mat", ".", "dog", "ran"]
  static let tourSentence = [0, 1, 2, 3, 0, 4, 5, 0, 6, 7]

  /// The built-in walkthrough of one block: one step per `Stage`, forward then backward. With the default
  /// sizes the block reads "the cat sat on the mat . the" and learns to predict each next word; other sizes
  /// use the config's tokens (or the seed's).
  public static func tour(config: BlockConfig = BlockConfig()) -> Lesson {
    let vocabulary = config.vocabSize <= tourWords.count ? Array(tourWords.prefix(config.vocabSize)) : nil
    let sentenceFits = config.seqLen < tourSentence.count && tourSentence.allSatisfy { $0 < config.vocabSize }
    let tokens = config.tokens ?? (sentenceFits ? Array(tourSentence.prefix(config.seqLen)) : config.resolvedTokens)
    let targets = config.targets ?? (sentenceFits ? Array(tourSentence.dropFirst().prefix(config.seqLen)) : config.resolvedTargets)
    let dk = config.dK
    let position = config.positional ? " A learned position row P is added, so the block knows where each word sits: x = E[tokens] + P." : ""
    let steps: [LessonStep] = [
      LessonStep(
        title: "Tokens", prose: "A transformer reads a sequence of token ids. Here each word of a tiny vocabulary is an id, and at every "
          + "position the block must predict the next word (the target). The embedding table E below holds one learned row of "
          + "\(config.dModel) numbers per word: the cursor sits on the first token's row.",
        stage: .tokens),
      LessonStep(
        title: "Embedding", prose: "Each token picks its row of E.\(position) Everything that follows works on x, one row per position. "
          + "Tab moves between the tensors; the status line shows how the selected entry was computed.",
        stage: .embedding, entry: (2, 3)),
      LessonStep(
        title: "Q, K and V", prose: "Three Linear layers read x: Q = x·Wqᵀ + bq (what each position looks for), K = x·Wkᵀ + bk (what it "
          + "offers), V = x·Wvᵀ + bv (what it passes on). Each entry is a row of x dotted with a row of W, plus a bias: the "
          + "entries it came from are marked with •.",
        stage: .qkv, entry: (2, 3)),
      LessonStep(
        title: "Attention scores", prose: "Each of the \(config.heads) heads takes its own \(dk) columns of Q and K. The score of query i "
          + "for key j is Q[i]·K[j]/√\(dk): how well what i looks for matches what j offers. Dividing by √d_k keeps the scores "
          + "moderate (s switches it off). { and } change the head.",
        stage: .scores, entry: (3, 1)),
      LessonStep(
        title: "The causal mask", prose: "To predict the next word a position must not peek at it, so position i may only attend to "
          + "positions j ≤ i: the mask adds −∞ above the diagonal. Press c to turn the mask off and watch the loss fall: the block "
          + "can then copy the answer from the future.",
        stage: .mask, entry: (1, 2)),
      LessonStep(
        title: "Softmax", prose: "Each row of scores becomes probabilities, exp(s − max)/Σ exp(s − max): every row sums to 1 (the Σ "
          + "column) and the masked entries become exactly 0. Subtracting the row's max changes nothing but keeps exp from overflowing.",
        stage: .softmax, entry: (3, 1)),
      LessonStep(
        title: "Attention = probs·V", prose: "Each position's output is an average of the rows of V, weighted by its row of "
          + "probabilities. A peaked row copies one position; a flat row blends them all.",
        stage: .attention, entry: (3, 0)),
      LessonStep(
        title: "Concat and O", prose: "The heads' outputs are placed side by side (concat) and mixed by one more Linear layer: "
          + "attn_out = attention·Woᵀ + bo.",
        stage: .output, entry: (2, 3)),
      LessonStep(
        title: "Residual", prose: "The block adds its input back: h1 = x + attn_out. The sum gives the gradient a direct path back "
          + "to the embeddings; press R to remove the residual connections and compare.",
        stage: .residual, entry: (2, 3)),
      LessonStep(
        title: "Feed-forward", prose: "Each position on its own goes through two Linear layers with a ReLU between: "
          + "ffn_hidden = relu(h1·W1ᵀ + b1), ffn_out = ffn_hidden·W2ᵀ + b2, and y = h1 + ffn_out. ReLU zeroes the negative "
          + "entries, and no gradient flows back through them.",
        stage: .ffn, entry: (2, 5)),
      LessonStep(
        title: "Logits and loss", prose: "A last Linear layer scores every word of the vocabulary at each position (the logits; the "
          + "target is underlined). Softmax turns a row into probabilities; the loss at a position is −log p(target), and the "
          + "block's loss is their mean.",
        stage: .loss, entry: (0, targets.first ?? 0)),
      LessonStep(
        title: "Backward", prose: "Back-propagation walks the graph in reverse and fills ∂loss/∂ for every weight and bias: how fast "
          + "the loss changes as that entry changes. Tab picks a parameter; + and − nudge the selected entry, and the loss moves "
          + "by about ∂loss/∂w·Δw.",
        stage: .backward, entry: (3, 5)),
      LessonStep(
        title: "The computation graph", prose: "Every value the forward pass recorded, in order, with the size of the gradient that "
          + "flowed back into it. Each op passes its gradient on to its inputs: the chain from the loss back to every parameter "
          + "has no break. (k_linear.bias gets ≈0: softmax ignores a constant added to a whole row.)",
        stage: .graph),
      LessonStep(
        title: "Checking the gradient", prose: "Is back-propagation right? Move w by ±h, rerun the block and measure the slope "
          + "(loss(w+h) − loss(w−h))/2h. It matches ∂loss/∂w to many digits. Tab and the arrows pick another entry.",
        stage: .gradcheck, entry: (3, 5)),
      LessonStep(
        title: "Training", prose: "One SGD step moves every parameter against its gradient: w ← w − lr·∂loss/∂w. Press t for one step "
          + "or r to run and pause; < and > change the learning rate. u undoes, 0 starts again.",
        stage: .training, challenges: [Challenge(source: "loss < 0.01", line: 0, hint: "r runs training; > raises the learning rate")]),
    ]
    return Lesson(title: "Inside one transformer block", config: config, vocabulary: vocabulary, tokens: tokens,
                  targets: targets, steps: steps)
  }
}
