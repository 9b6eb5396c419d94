import Foundation
import TinyTransformer

extension AppState {
  /// The session as it is now, as the `qkv-export/1` document `qkv --load` resumes: the live config (the
  /// switches as set, the learning rate in use), the tokens, the targets and the current parameters.
  func sessionDocument() throws -> String {
    let allFinite = parameters.names.allSatisfy { parameters[$0]?.data.allSatisfy(\.isFinite) ?? true }
    guard allFinite else {
      throw SaveError(description: "some parameters are NaN or infinite (u undoes, 0 resets)")
    }
    var config = self.config
    config.lr = learningRate
    let document = try Export.document(Export.Session(config: config, tokens: tokens, targets: targets, parameters: parameters))
    // JSON has no NaN: a number that overflowed anywhere in the document is refused, never written.
    guard AppState.isFinite(document) else {
      throw SaveError(description: "the block's numbers overflowed (u undoes, 0 resets)")
    }
    return document.serialized() + "\n"
  }

  static func isFinite(_ json: JSON) -> Bool {
    switch json {
    case .number(let x): x.isFinite
    case .array(let items): items.allSatisfy(isFinite)
    case .object(let members): members.allSatisfy { isFinite($0.1) }
    case .null, .bool, .string: true
    }
  }

  /// Saves the session `w` asked for (if it did) with `writer`, and says where, or why not. The one side
  /// effect of a key: the `Program` calls it after `update`, with the real writer or a test's.
  mutating func saveSession(with writer: SessionWriter?) {
    guard let path = pendingSave else { return }
    pendingSave = nil
    guard let writer else {
      notice = Notice(text: "Not saved: this screen has no place to save to.", isError: true)
      return
    }
    do {
      let written = try writer.write(try sessionDocument(), path)
      notice = Notice(text: "Saved \(written) · qkv --load \(path) resumes it", isError: false)
    } catch {
      notice = Notice(text: "Not saved: \(AppState.describe(error))", isError: true)
    }
  }

  /// An error in words for the status line.
  static func describe(_ error: any Error) -> String {
    switch error {
    case let error as SaveError: error.description
    case let error as ConfigError: error.message
    default: error.localizedDescription
    }
  }
}
