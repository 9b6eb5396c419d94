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

  /// The parameters after the solution's edits and training, in order; training runs the block with `config`
  /// (a step's switches included) at `config.lr` unless the action names a rate.
  public func applied(to parameters: Parameters, config: BlockConfig, tokens: [Int], targets: [Int]) -> Parameters {
    var parameters = parameters
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
        let block = Block(config: config, parameters: parameters, tokens: tokens, targets: targets)
        for _ in 0..<steps { block.trainStep(lr: lr ?? config.lr) }
        parameters = block.parameters
      }
    }
    return parameters
  }
}
