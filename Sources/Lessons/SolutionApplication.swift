import TinyTransformer

extension Solution {
  /// The solution checked against a block: it may change parameters only, and its words become indices.
  func resolved(in scope: Scope) throws(ExpressionError) -> Solution {
    var out = self
    for (k, action) in actions.enumerated() {
      guard case .edit(let ref, let operation, let amount) = action else { continue }
      guard !ref.gradient, TensorSpec.named(ref.name, config: scope.config)?.isParameter ?? true else {
        throw ExpressionError("a solution changes parameters; \(ref.text) is not one")
      }
      out.actions[k] = .edit(try ref.resolved(in: scope, entry: false), operation, amount)
    }
    return out
  }

  /// The parameters and switches after the solution's actions, in order; training runs the block with the
  /// config as it is by then (a step's switches included) at `config.lr` unless the action names a rate.
  public func applied(to parameters: Parameters, config: BlockConfig, tokens: [Int], targets: [Int])
    -> (parameters: Parameters, config: BlockConfig) {
    var parameters = parameters
    var config = config
    for action in actions {
      switch action {
      case .edit(let ref, let operation, let amount):
        guard var tensor = parameters[ref.name], let offsets = flatOffsets(shape: tensor.shape, indices: ref.indices)
        else { continue }
        for i in offsets {
          switch operation {
          case .assign: tensor.data[i] = amount
          case .add: tensor.data[i] += amount
          case .subtract: tensor.data[i] -= amount
          case .multiply: tensor.data[i] *= amount
          }
        }
        parameters[ref.name] = tensor
      case .train(let steps, let lr):
        // SGD on our own copy of the parameters (rather than reading them back from a Block, which refuses
        // non-finite values): a rate too large for the lesson diverges, and the challenge then simply fails.
        for _ in 0..<steps {
          let trace = Block.trace(config: config, parameters: parameters, tokens: tokens, targets: targets)
          guard trace.loss.isFinite else { break }
          parameters.sgdStep(gradients: trace.gradients, lr: lr ?? config.lr)
        }
      case .toggle(let toggle, let on):
        toggle.set(on, in: &config)
      }
    }
    return (parameters, config)
  }
}
