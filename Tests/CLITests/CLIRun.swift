import Foundation
import XCTest

/// What a run of the binary gave.
struct CLIResult { let status: Int32; let stdout: String; let stderr: String }

/// Runs the built `lwscript` binary (CLITests.binary) as a user would, for every CLI test.
extension XCTestCase {
    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:],
             directory: URL? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(env) { $1 }
        p.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    func tempScript(_ code: String, name: String = "script.lua") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }   // no scratch left in /tmp
        let url = dir.appendingPathComponent(name)
        try code.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
