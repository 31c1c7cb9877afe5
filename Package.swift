// swift-tools-version:6.0
// ganc: a compiler for GANs. One target per pipeline stage; dependencies point one way:
// source → diagnostics → syntax → sema → lowering → IR → autodiff → passes → runtime → driver.
import PackageDescription

/// Optimisation for the numeric targets in release builds; debug builds stay debuggable.
let numericSettings: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]

let package = Package(
  name: "ganc",
  products: [
    .executable(name: "ganc", targets: ["ganc"])
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    .target(name: "GancSource"),
    .target(name: "GancDiagnostics", dependencies: ["GancSource"]),
    .target(name: "GancSyntax", dependencies: ["GancSource", "GancDiagnostics"]),
    .target(name: "GancSema", dependencies: ["GancSource", "GancDiagnostics", "GancSyntax"]),
    .target(name: "GancIR", dependencies: ["GancSource"]),
    .target(name: "GancLowering", dependencies: ["GancSema", "GancIR"]),
    .target(name: "GancAutodiff", dependencies: ["GancIR"]),
    .target(name: "GancPasses", dependencies: ["GancIR"]),
    .target(name: "GancRuntime", dependencies: ["GancIR", "COpenBLAS"], swiftSettings: numericSettings),
    .target(name: "GancData", dependencies: ["GancRuntime", "CZlib"], swiftSettings: numericSettings),
    .target(
      name: "GancDriver",
      dependencies: [
        "GancSource", "GancDiagnostics", "GancSyntax", "GancSema", "GancIR", "GancLowering",
        "GancAutodiff", "GancPasses", "GancRuntime", "GancData",
      ]
    ),
    .executableTarget(name: "ganc", dependencies: ["GancDriver"]),

    .target(name: "GancTestSupport", dependencies: ["GancSource", "GancDiagnostics"], path: "Tests/GancTestSupport"),
    .testTarget(name: "GancSyntaxTests", dependencies: ["GancSyntax", "GancDiagnostics", "GancTestSupport"]),
    .testTarget(name: "GancSemaTests", dependencies: ["GancSema", "GancSyntax", "GancDiagnostics", "GancTestSupport"]),
    .testTarget(
      name: "GancAutodiffTests",
      dependencies: ["GancAutodiff", "GancIR", "GancRuntime", "GancPasses", "GancTestSupport"]),
    .testTarget(name: "GancRuntimeTests", dependencies: ["GancRuntime", "GancIR", "GancTestSupport"]),
    .testTarget(name: "GancDataTests", dependencies: ["GancData", "GancRuntime"]),
    .testTarget(name: "GancDriverTests", dependencies: ["GancDriver"]),
  ]
)
