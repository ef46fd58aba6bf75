import Foundation
import Notebook
import XCTest

/// The three writers on a report built by hand (no Lua involved).
final class ReportWriterTests: XCTestCase {
    static let svg = #"<svg width="20" height="10"><rect width="5" height="5"/></svg>"#

    func sampleReport() -> NotebookReport {
        let doc = NotebookDocument(path: "dir/sample.lua", cells: [
            Cell(number: 1, kind: .markdown, source: "# Sample & <title>\n\nSome **bold** text.", firstLine: 2, markerLine: 1),
            Cell(number: 2, kind: .code, title: "Setup <1>", source: "x = '<script>'\nprint(x)", firstLine: 5, markerLine: 4),
            Cell(number: 3, kind: .code, source: "plot()", firstLine: 8, markerLine: 7),
            Cell(number: 4, kind: .code, source: "x.y.z = 1", firstLine: 10, markerLine: 9),
            Cell(number: 5, kind: .code, source: "print('later')", firstLine: 12, markerLine: 11),
        ])
        let table = TableData(caption: "FloatTensor of size 2", header: ["1", "2"], rowLabels: [""], rows: [["0.5", "1|2"]])
        return NotebookReport(document: doc, results: [
            nil,
            CellResult(executionCount: 1, outputs: [
                .stream(.stdout, "<script>\n"),
                .stream(.stderr, "warn ```\n"),
                .result(DisplayData(plain: "tensor", table: table)),
            ], seconds: 0.001),
            CellResult(executionCount: 2, outputs: [
                .display(DisplayData(plain: "plot 1", svg: Self.svg)),
                .result(DisplayData(plain: "plot 2", svg: "<?xml version=\"1.0\"?>\n" + Self.svg)),
            ], seconds: 0.002),
            CellResult(executionCount: 3, outputs: [
                .error(CellError(phase: .run, message: "sample.lua:10: attempt to index a nil value (global 'x')",
                                 traceback: "stack traceback:\n\t[C]: in ?", line: 10, lineCell: 4)),
                .note("output truncated: 5 more bytes not shown"),
            ], seconds: 0.003),
            nil,
        ], notes: ["stopped at the error in cell 4 (--stop); later cells were not run"], generator: "lwscript test")
    }

    func testHTMLIsEscapedSelfContainedAndShowsEveryOutput() {
        let html = HTMLWriter.render(sampleReport())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(html.contains("<script"), "code and output are escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;"))
        XCTAssertTrue(html.contains("<title>Sample &amp; &lt;title&gt;</title>"))
        XCTAssertTrue(html.contains("Setup &lt;1&gt;"))
        XCTAssertTrue(html.contains("<strong>bold</strong>"))
        XCTAssertFalse(html.contains("http://") && html.contains("<link"), "no external resources")
        XCTAssertFalse(html.contains("src=\"http"))
        // both plots inline, the XML prolog dropped
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2)
        XCTAssertFalse(html.contains("<?xml"))
        XCTAssertTrue(html.contains("<table class=\"data\">"))
        XCTAssertTrue(html.contains("<td>1|2</td>"))
        XCTAssertTrue(html.contains("Error in cell 4 at line 10"))
        XCTAssertTrue(html.contains("class=\"ln err-line\"><span class=\"n\">10</span>"))
        XCTAssertTrue(html.contains("output truncated"))
        XCTAssertTrue(html.contains("not run"))
        XCTAssertTrue(html.contains("--stop"))
        XCTAssertTrue(html.contains("href=\"#cell-4\""))
    }

    func testMarkdownPutsPlotsInFilesBeside() {
        let rendered = MarkdownWriter.render(sampleReport(), filesDirectory: "report_files")
        let md = String(decoding: rendered.main, as: UTF8.self)
        XCTAssertEqual(rendered.attachments.map(\.path), ["report_files/cell3_1.svg", "report_files/cell3_2.svg"])
        let file = String(decoding: rendered.attachments[1].data, as: UTF8.self)
        XCTAssertTrue(file.contains("xmlns=\"http://www.w3.org/2000/svg\""), "standalone SVG files need the namespace")
        XCTAssertTrue(md.contains("![cell 3 plot 1](report_files/cell3_1.svg)"))
        XCTAssertTrue(md.hasPrefix("# Sample & <title>"))
        XCTAssertTrue(md.contains("```lua\nx = '<script>'\nprint(x)\n```"))
        XCTAssertTrue(md.contains("````text\nwarn ```\n````"), "fences grow past backticks in the text")
        XCTAssertTrue(md.contains("| 0.5 | 1\\|2 |"))
        XCTAssertTrue(md.contains("error in cell 4 at line 10"))
        XCTAssertTrue(md.contains("**[5]** · line 12 · not run"))
    }

    func testIpynbStructure() throws {
        let data = try IpynbWriter.render(sampleReport())
        let nb = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(nb["nbformat"] as? Int, 4)
        XCTAssertEqual(nb["nbformat_minor"] as? Int, 5)
        let meta = try XCTUnwrap(nb["metadata"] as? [String: Any])
        XCTAssertEqual((meta["kernelspec"] as? [String: Any])?["language"] as? String, "lua")
        XCTAssertEqual((meta["language_info"] as? [String: Any])?["name"] as? String, "lua")
        let cells = try XCTUnwrap(nb["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.map { $0["cell_type"] as? String }, ["markdown", "code", "code", "code", "code"])
        XCTAssertEqual(cells[1]["source"] as? [String], ["x = '<script>'\n", "print(x)"])
        let outs1 = try XCTUnwrap(cells[1]["outputs"] as? [[String: Any]])
        XCTAssertEqual(outs1.map { $0["output_type"] as? String }, ["stream", "stream", "execute_result"])
        XCTAssertEqual(outs1[1]["name"] as? String, "stderr")
        let bundle = try XCTUnwrap(outs1[2]["data"] as? [String: Any])
        XCTAssertNotNil(bundle["text/plain"])
        XCTAssertTrue((bundle["text/html"] as? [String])?.joined().contains("<table") ?? false)
        let outs2 = try XCTUnwrap(cells[2]["outputs"] as? [[String: Any]])
        XCTAssertEqual(outs2.map { $0["output_type"] as? String }, ["display_data", "execute_result"])
        XCTAssertNotNil((outs2[0]["data"] as? [String: Any])?["image/svg+xml"])
        let outs3 = try XCTUnwrap(cells[3]["outputs"] as? [[String: Any]])
        XCTAssertEqual(outs3[0]["output_type"] as? String, "error")
        XCTAssertEqual(outs3[0]["ename"] as? String, "LuaError")
        XCTAssertTrue(cells[4]["execution_count"] is NSNull)
        XCTAssertEqual(cells[2]["execution_count"] as? Int, 2)
    }

    func testReportFileWritesAtomicallyAndRejectsUnknownFormats() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nbw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let md = dir.appendingPathComponent("report.md").path
        let written = try ReportFile.write(sampleReport(), to: md)
        XCTAssertEqual(written.count, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report_files/cell3_2.svg").path))
        // a second run with fewer plots removes the stale file
        var smaller = sampleReport()
        smaller.results[2] = CellResult(executionCount: 2, outputs: [.display(DisplayData(plain: "p", svg: Self.svg))], seconds: 0)
        try ReportFile.write(smaller, to: md)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report_files/cell3_2.svg").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")

        XCTAssertThrowsError(try ReportFile.write(sampleReport(), to: dir.appendingPathComponent("r.pdf").path)) { error in
            XCTAssertTrue("\(error)".contains("unknown report format '.pdf'"), "\(error)")
        }
        XCTAssertThrowsError(try ReportFile.write(sampleReport(), to: "/nonexistent-dir/r.html")) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testEscapingAndMarkdownRendering() {
        XCTAssertEqual(Escaping.html(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(Escaping.fence(for: "no ticks"), "```")
        XCTAssertEqual(Escaping.fence(for: "a ```` b"), "`````")
        XCTAssertEqual(Escaping.svg("<svg><g/></svg>", standalone: true), #"<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>"#)
        let html = MarkdownRenderer.html("""
            ## Head <x>
            A `a<b>` and *it* and [link](https://example.org) and [bad](javascript:alert(1)).

            - one
            - two

                code <here>
            """)
        XCTAssertTrue(html.contains("<h2>Head &lt;x&gt;</h2>"), html)
        XCTAssertTrue(html.contains("<code>a&lt;b&gt;</code>"), html)
        XCTAssertTrue(html.contains("<em>it</em>"), html)
        XCTAssertTrue(html.contains("<a href=\"https://example.org\">link</a>"), html)
        XCTAssertFalse(html.contains("href=\"javascript"), html)
        XCTAssertTrue(html.contains("<ul><li>one</li><li>two</li></ul>"), html)
        XCTAssertTrue(html.contains("<pre><code>code &lt;here&gt;</code></pre>"), html)
    }

    func testHighlighterKeepsTextAndLines() {
        let code = "local s = \"a<b\" -- note\n--[[ long\ncomment ]] x = 1.5e-3"
        let lines = LuaHighlighter.htmlLines(code)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("<span class=\"tok-keyword\">local</span>"), lines[0])
        XCTAssertTrue(lines[0].contains("<span class=\"tok-string\">&quot;a&lt;b&quot;</span>"), lines[0])
        XCTAssertTrue(lines[1].contains("tok-comment"), lines[1])
        XCTAssertTrue(lines[2].contains("<span class=\"tok-number\">1.5e-3</span>"), lines[2])
        // the text survives: strip the tags and unescape
        let text = lines.joined(separator: "\n")
            .replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&quot;", with: "\"")
        XCTAssertEqual(text, code)
    }

    func testInvocationParsing() throws {
        let inv = try NotebookInvocation.parse(["nb.lua", "-o", "out.ipynb", "--stop", "--cell", "3"])
        XCTAssertEqual(inv.path, "nb.lua")
        XCTAssertEqual(inv.output, "out.ipynb")
        XCTAssertTrue(inv.stop)
        XCTAssertEqual(inv.lastCell, 3)
        XCTAssertEqual(try NotebookInvocation.parse(["a/b.lua"]).reportPath, "a/b.html")
        XCTAssertEqual(try NotebookInvocation.parse(["--cell=2", "x.lua", "--output=r.md"]).reportPath, "r.md")
        XCTAssertTrue(try NotebookInvocation.parse(["--help"]).showHelp)
        for bad in [["x.lua", "-o", "r.pdf"], [], ["x.lua", "--cell", "0"], ["x.lua", "--nope"], ["a.lua", "b.lua"], ["x.lua", "-o"]] {
            XCTAssertThrowsError(try NotebookInvocation.parse(bad), "\(bad)")
        }
    }
}
