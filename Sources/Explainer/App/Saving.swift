import Foundation
import TinyTransformer

extension AppState {
  /// The session as it is now, as the `qkv-export/1` document `qkv --load` resumes: the live config (the
  /// switches as set, the learning rate in use), the tokens, the targets and the current parameters.
  func sessionDocument() throws -> String {
    var config = self.config
    config.lr = learningRate
    do throws(ConfigError) {
      let session = Export.Session(config: config, tokens: tokens, targets: targets, parameters: parameters)
      return try Export.document(session).serialized() + "\n"
    } catch {
      throw SaveError(description: "\(error.message) (u undoes, 0 resets)")
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
