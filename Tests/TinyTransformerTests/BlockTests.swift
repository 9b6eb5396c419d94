import Testing
import TestSupport
@testable import TinyTransformer

struct BlockTests {
  @Test func divergedTrainingIsReadableNotACrash() {
    var config = BlockConfig()
    config.lr = 1e200
    let block = Block(config: config)
    for _ in 0..<4 { block.trainStep(lr: config.lr) }
    let values = block.parameters.names.flatMap { block.parameters[$0]!.data }
    #expect(values.contains { !$0.isFinite })
    var session = Export.Session(config: config)
    session.config.steps = 4
    #expect(throws: ConfigError.self) { try Export.document(session) }
  }

  @Test func traceAgreesWithTrainStepAndForgetsNothing() {
    let config = BlockConfig()
    let block = Block(config: config)
    let before = block.trace()
    // A second trace of the same parameters gives bit-identical gradients: nothing accumulates across passes.
    let again = block.trace()
    for name in block.parameters.names { #expect(before.gradients[name] == again.gradients[name]) }
    let loss = block.trainStep(lr: 0.1)
    #expect(loss == before.loss)
    var expected = Parameters(initializedFor: config)
    expected.sgdStep(gradients: before.gradients, lr: 0.1)
    #expect(block.parameters == expected)
    #expect(block.trace().loss < before.loss)
  }

  @Test func tokenLossesAverageToTheLoss() {
    let trace = Block(config: BlockConfig()).trace()
    let mean = trace.tokenLosses.reduce(0, +) / Double(trace.tokenLosses.count)
    #expect(relativeDifference(mean, trace.loss) < 1e-14)
  }

  @Test func seededInitIsDeterministicAndPyTorchShaped() {
    var config = BlockConfig()
    config.seed = 42
    let a = Parameters(initializedFor: config), b = Parameters(initializedFor: config)
    #expect(a == b)
    config.seed = 43
    #expect(Parameters(initializedFor: config) != a)
    // Linear weights lie within ±1/√fan_in; embeddings are standard normal (mean ≈ 0, variance ≈ 1 over many draws).
    let bound = 1 / Double(config.dModel).squareRoot()
    #expect(a["q_linear.weight"]!.data.allSatisfy { abs($0) <= bound })
    #expect(a["ffn2.weight"]!.data.allSatisfy { abs($0) <= 1 / Double(config.dFF).squareRoot() })
    var big = BlockConfig()
    big.vocabSize = 1000
    big.dModel = 64
    big.heads = 1
    let e = Parameters(initializedFor: big)["embedding.weight"]!.data
    let mean = e.reduce(0, +) / Double(e.count)
    let variance = e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(e.count)
    #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03)
  }
}
