// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "citizen-portal",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "portal", targets: ["portal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Signing and verifying the single sign-on tokens and the e-ID's ID tokens.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // Property-based tests of the Domain parsers (test-only).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure rules about Vietnamese identity data; no Vapor, no database.
        .target(name: "Domain", resources: [.process("Resources")]),
        // The SMS gateway's wire format and HTTP client.
        .target(
            name: "SMSGateway",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Writes the one-page account request form (R7) as PDF with embedded Vietnamese fonts.
        .target(
            name: "RequestFormPDF",
            dependencies: [.product(name: "CompressNIO", package: "compress-nio")]
        ),
        .target(
            name: "App",
            dependencies: [
                "Domain",
                "SMSGateway",
                "RequestFormPDF",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .executableTarget(
            name: "portal",
            dependencies: [
                "App",
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        // ID-card scan files built byte by byte, shared by the Domain and App tests.
        .target(name: "ScanFixtures", path: "Tests/ScanFixtures"),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Domain", "ScanFixtures", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "RequestFormPDFTests", dependencies: ["RequestFormPDF"]),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "SMSGateway",
                "ScanFixtures",
                .product(name: "XCTVapor", package: "vapor"),
            ]
        ),
    ]
)
