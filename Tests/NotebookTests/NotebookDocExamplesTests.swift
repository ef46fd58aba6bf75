import Foundation
import Notebook
import XCTest

/// Every block fenced as ```lua notebook in docs/*.md runs as a notebook without errors (the
/// plain ```lua blocks are run as scripts by BridgeTests.DocExamplesTests).
final class NotebookDocExamplesTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDocumentedNotebooksRun() throws {
        let docs = Self.root.appendingPathComponent("docs")
        var count = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: docs.path) where name.hasSuffix(".md") {
            let text = try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
            var block: [String]? = nil
            var start = 0
            for (i, line) in text.components(separatedBy: "\n").enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if block == nil, t == "```lua notebook" {
                    block = []
                    start = i + 2
                } else if block != nil, t == "```" {
                    count += 1
                    let doc = CellParser.parse(block!.joined(separator: "\n"), path: "\(name):\(start)")
                    let report = try NotebookRunner(document: doc).run()
                    for case let (cell, result?) in zip(report.document.cells, report.results) {
                        if let e = result.error {
                            XCTFail("\(name) notebook at line \(start), cell \(cell.number): \(e.message)")
                        }
                    }
                    XCTAssertGreaterThan(report.cellsRun, 0)
                    block = nil
                } else if block != nil {
                    block!.append(line)
                }
            }
        }
        XCTAssertGreaterThan(count, 0, "expected docs/notebook.md to hold a notebook example")
    }
}
