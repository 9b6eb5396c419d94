import Foundation
import Testing
import TestSupport
@testable import TinyTransformer

/// The whole block against PyTorch float64 (see Goldens/README.md): every activation, every gradient, the loss
/// history and the trained parameters agree to 1e-9 relative.
struct GoldenTests {
  static let tolerance = 1e-9

  static var goldenURLs: [URL] {
    let folder = Bundle.module.resourceURL!.appendingPathComponent("Goldens")
    let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
    return files.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  @Test func thereAreEnoughGoldens() {
    #expect(Self.goldenURLs.count >= 8)
  }

  @Test(arguments: goldenURLs.map(\.lastPathComponent))
  func matchesPyTorch(_ file: String) throws {
    let url = Self.goldenURLs.first { $0.lastPathComponent == file }!
    let golden = try JSON.parse(try readText(url))
    let session = try Export.session(from: golden)
    let config = session.config
    // The document qkv exports from the golden's own parameters and input:
    let ours = try Export.document(session)

    // Activations and loss.
    let layoutAct = golden["activations"]!
    for name in Trace.exportedActivations {
      let expected = try tensor(layoutAct[name]!)
      let actual = try tensor(ours["activations"]![name]!)
      #expect(actual.shape == expected.shape, "\(file): \(name) shape")
      #expect(relativeDifference(actual, expected) <= Self.tolerance, "\(file): activation \(name)")
    }
    let loss = ours["activations"]!["loss"]!.number!
    #expect(relativeDifference(loss, layoutAct["loss"]!.number!) <= Self.tolerance, "\(file): loss")

    // Gradients and trained parameters, every one of them. Entries below 1e-6 of the largest gradient are held
    // to an absolute 1e-15 of it instead (see relativeDifference): ∂loss/∂k_linear.bias is exactly zero in
    // exact arithmetic and only rounding noise (~1e-17) in both PyTorch and qkv.
    let noise = 1e-6 * Parameters.layout(for: config).map { (name, shape) in
      (try? Export.tensor(golden["gradients"]![name]!, shape: shape, name: name))?.data.map(abs).max() ?? 0
    }.max()!
    for (name, shape) in Parameters.layout(for: config) {
      let g = try Export.tensor(golden["gradients"]![name]!, shape: shape, name: name)
      let ourG = try Export.tensor(ours["gradients"]![name]!, shape: shape, name: name)
      #expect(relativeDifference(ourG, g, floor: noise) <= Self.tolerance, "\(file): ∂loss/∂\(name)")
      let trained = try Export.tensor(golden["training"]!["parameters"]![name]!, shape: shape, name: name)
      let ourTrained = try Export.tensor(ours["training"]!["parameters"]![name]!, shape: shape, name: name)
      #expect(relativeDifference(ourTrained, trained) <= Self.tolerance, "\(file): trained \(name)")
    }
    let history = golden["training"]!["loss"]!.array!.map { $0.number! }
    let ourHistory = ours["training"]!["loss"]!.array!.map { $0.number! }
    #expect(history.count == config.steps && ourHistory.count == config.steps, "\(file): loss history length")
    for (a, b) in zip(ourHistory, history) {
      #expect(relativeDifference(a, b) <= Self.tolerance, "\(file): loss history")
    }
  }

  /// Nested arrays of any depth into a tensor.
  func tensor(_ json: JSON) throws -> Tensor {
    var shape: [Int] = []
    var probe = json
    while let items = probe.array {
      shape.append(items.count)
      guard let first = items.first else { break }
      probe = first
    }
    return try Export.tensor(json, shape: shape, name: "value")
  }
}
