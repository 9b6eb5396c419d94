// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "qkv",
  products: [
    .executable(name: "qkv", targets: ["qkv"]),
  ],
  targets: [
    // MARK: Engine and model
    .target(name: "_CKernels"),
    .target(name: "Autodiff", dependencies: ["_CKernels"]),
    .target(name: "TinyTransformer", dependencies: ["Autodiff"]),

    // MARK: Lessons and the explainer (pure Swift, testable headless)
    .target(name: "Lessons", dependencies: ["TinyTransformer"]),
    .target(name: "Explainer", dependencies: ["TinyTransformer", "Lessons"]),

    // MARK: The terminal: ncurses behind one small backend
    .systemLibrary(name: "_CNcurses"),
    .target(name: "Terminal", dependencies: ["Explainer", "_CNcurses"]),

    // MARK: The command line
    .target(name: "QKVCommands", dependencies: ["TinyTransformer", "Lessons", "Explainer", "Terminal"]),
    .executableTarget(name: "qkv", dependencies: ["QKVCommands"]),

    // MARK: Tests
    .target(name: "TestSupport", dependencies: ["TinyTransformer"], path: "Tests/TestSupport"),
    .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "TestSupport"]),
    .testTarget(
      name: "TinyTransformerTests", dependencies: ["TinyTransformer", "TestSupport"],
      resources: [.copy("Goldens")]),
    .testTarget(name: "LessonsTests", dependencies: ["Lessons", "TestSupport"]),
    .testTarget(name: "ExplainerTests", dependencies: ["Explainer", "TestSupport"], exclude: ["Snapshots"]),
    .testTarget(name: "TerminalTests", dependencies: ["Terminal", "Explainer", "_CNcurses"]),
    .testTarget(name: "QKVCommandsTests", dependencies: ["QKVCommands", "TestSupport"]),
  ]
)
