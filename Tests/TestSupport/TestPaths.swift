import Foundation

/// Where the tests find the repository, the project's captures, the shared
/// captures beside the repository (`../shared`, absent on a user's clone) and
/// the built `dxemu` binary.
public enum TestPaths {
    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The project's own captures/ folder.
    public static let projectCaptures = repositoryRoot.appendingPathComponent("captures")

    /// `../shared/captures`, or nil when it is not there.
    public static let sharedCaptures: URL? = {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("MANIFEST.tsv").path) ? url : nil
    }()

    /// Why the shared-capture tests are skipped, for the skip message.
    public static let sharedAbsentMessage =
        "../shared/captures is absent (it sits beside the repository in CI): skipping the tests that need it"

    /// The `dxemu` executable built next to the test bundle.
    public static var dxemuBinary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("dxemu")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug/dxemu")
    }
}

/// The outcome of running a command.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `dxemu` with `arguments` from `directory` (the repository root by default).
public func runDxemu(_ arguments: [String], in directory: URL = TestPaths.repositoryRoot) throws -> CommandResult {
    let process = Process()
    process.executableURL = TestPaths.dxemuBinary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a large output cannot block the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// One row of ../shared/captures/MANIFEST.tsv.
public struct ManifestEntry: Sendable {
    public var file: String
    /// `valid`, `malformed` or `malformed-derived`.
    public var kind: String
    public var fields: [String: String]

    public var path: String { TestPaths.sharedCaptures!.appendingPathComponent(file).path }
    public var isValid: Bool { kind == "valid" }
    /// Packet count according to capinfos, when it gave one.
    public var capinfosPackets: Int? { fields["packets_capinfos"].flatMap { Int($0) } }
}

/// The rows of MANIFEST.tsv (empty when ../shared is absent).
public func sharedManifest() -> [ManifestEntry] {
    guard let folder = TestPaths.sharedCaptures,
          let text = try? String(contentsOf: folder.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) else { return [] }
    return lines.dropFirst().map { line in
        let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        var fields: [String: String] = [:]
        for (i, name) in header.enumerated() where i < cells.count { fields[name] = cells[i] }
        return ManifestEntry(file: fields["file"] ?? "", kind: fields["kind"] ?? "", fields: fields)
    }
}

/// One directory per test process for the files the tests write, removed
/// when the process exits, so runs leave nothing behind in the system's
/// temporary directory.
public enum Scratch {
    /// The process's directory (created on first use).
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dxemu-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return url
    }()

    /// A path for a file named `name` in the process's directory.
    public static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// A fresh, empty directory of its own (`prefix` plus a unique suffix).
    public static func directory(_ prefix: String) throws -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
