import Bridge
import XCTest

/// Every ```lua block in README.md and docs/*.md runs without error (each in a fresh state,
/// with print silenced), so the documented examples stay true. A block whose first line is
/// a `-- needs: ...` comment (downloaded data, a long run) is only compiled, not run.
final class DocExamplesTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func luaBlocks(in text: String) -> [(line: Int, code: String)] {
        var blocks: [(Int, String)] = []
        var current: [String]? = nil
        var start = 0
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```lua" {
                current = []
                start = i + 2
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append((start, current!.joined(separator: "\n")))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    func testDocumentedLuaExamplesRun() throws {
        var files = [Self.root.appendingPathComponent("README.md")]
        let docs = Self.root.appendingPathComponent("docs")
        for name in try FileManager.default.contentsOfDirectory(atPath: docs.path) where name.hasSuffix(".md") {
            files.append(docs.appendingPathComponent(name))
        }
        var count = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for block in Self.luaBlocks(in: text) {
                count += 1
                let lua = LuaState()
                let chunkname = "=\(file.lastPathComponent):\(block.line)"
                do {
                    if block.code.hasPrefix("-- needs:") {
                        try lua.load(block.code, chunkname: chunkname)
                        continue
                    }
                    try lua.execute("print = function() end")
                    try lua.execute(block.code, chunkname: chunkname)
                } catch {
                    XCTFail("\(file.lastPathComponent) block at line \(block.line): \(error)")
                }
            }
        }
        XCTAssertGreaterThan(count, 5, "expected the docs to hold Lua examples")
    }
}
