import Foundation
import Notebook
import XCTest

/// Runs small notebooks in a fresh Lua state and checks what each cell recorded.
final class NotebookRunnerTests: XCTestCase {
    func run(_ text: String, _ options: RunOptions = RunOptions(), path: String = "nb.lua") throws -> NotebookReport {
        let doc = CellParser.parse(text, path: path)
        return try NotebookRunner(document: doc, options: options).run()
    }

    func outputs(_ report: NotebookReport, cell: Int) -> [CellOutput] {
        report.results[cell - 1]?.outputs ?? []
    }

    func value(_ report: NotebookReport, cell: Int) -> DisplayData? {
        for case .result(let d) in outputs(report, cell: cell) { return d }
        return nil
    }

    func testPrintAndWritesAreCapturedPerCellInOrder() throws {
        let r = try run("""
            -- %%
            print("a", 1, nil)
            io.write("b", 2, " ", 1.5, "\\n")
            io.stdout:write("c\\n")
            io.stderr:write("oops\\n")
            print("d")
            -- %%
            print("second")
            warn("@on"); warn("careful")
            """)
        XCTAssertEqual(outputs(r, cell: 1), [
            .stream(.stdout, "a\t1\tnil\nb2 1.5\nc\n"),
            .stream(.stderr, "oops\n"),
            .stream(.stdout, "d\n"),
        ])
        XCTAssertEqual(outputs(r, cell: 2), [.stream(.stdout, "second\n"), .stream(.stderr, "Lua warning: careful\n")])
    }

    func testValuesOfTheLastExpression() throws {
        let r = try run("""
            -- %%
            1 + 1
            -- %%
            x = 20
            x + 1
            -- %%
            y = 3
            -- %%
            x;
            -- %%
            local t = {
              n = 1,
            }
            t
            -- %%
            print("no value")
            -- %%
            nil
            """)
        XCTAssertEqual(value(r, cell: 1)?.plain, "2")
        XCTAssertEqual(value(r, cell: 2)?.plain, "21")
        XCTAssertNil(value(r, cell: 3), "an assignment has no value")
        XCTAssertNil(value(r, cell: 4), "a trailing ';' hides the value")
        XCTAssertEqual(value(r, cell: 5)?.plain, "{n = 1}")
        XCTAssertNil(value(r, cell: 6))
        XCTAssertNil(value(r, cell: 7))
        XCTAssertEqual(r.errorCount, 0)
    }

    func testTensorsAndArraysBecomeTables() throws {
        let r = try run("""
            -- %%
            tensor.new({{1, 2}, {3, 4}, {5, 6}})
            -- %%
            tensor.new({0.5, 0.25})
            -- %%
            {0.92, 0.81, 0.64}
            -- %%
            {{1, 2}, {3, 4}}
            -- %%
            {1, "two"}
            -- %%
            tensor.zeros(2, 2, 2)
            -- %%
            tensor.arange(25)
            """)
        let m = try XCTUnwrap(value(r, cell: 1)?.table)
        XCTAssertEqual(m.caption, "FloatTensor of size 3x2")
        XCTAssertEqual(m.header, ["1", "2"])
        XCTAssertEqual(m.rowLabels, ["1", "2", "3"])
        XCTAssertEqual(m.rows, [["1", "2"], ["3", "4"], ["5", "6"]])
        XCTAssertTrue(value(r, cell: 1)!.plain.contains("[FloatTensor of size 3x2]"))
        XCTAssertEqual(value(r, cell: 2)?.table?.rows, [["0.5000", "0.2500"]])
        XCTAssertEqual(value(r, cell: 3)?.table?.caption, "Lua array of 3 numbers")
        XCTAssertEqual(value(r, cell: 3)?.table?.rows, [["0.9200", "0.8100", "0.6400"]])
        XCTAssertEqual(value(r, cell: 4)?.table?.rows, [["1", "2"], ["3", "4"]])
        XCTAssertNil(value(r, cell: 5)?.table, "mixed arrays are text")
        XCTAssertNil(value(r, cell: 6)?.table, "3-D tensors are text")
        // long vectors wrap into rows of ten: row label + column = index
        let long = try XCTUnwrap(value(r, cell: 7)?.table)
        XCTAssertEqual(long.rowLabels, ["0", "10", "20"])
        XCTAssertEqual(long.rows[2], ["20", "21", "22", "23", "24"])
    }

    func testLargeTablesAreCut() throws {
        let r = try run("tensor.zeros(500, 30)")
        let t = try XCTUnwrap(value(r, cell: 1)?.table)
        XCTAssertEqual(t.rows.count, 100)
        XCTAssertEqual(t.rows[0].count, 20)
        XCTAssertEqual(t.note, "showing rows 1-100 of 500, columns 1-20 of 30")
    }

    /// A dataset and a study (experiment.learnability's result) show as HTML tables: the
    /// samples per class; the summary with D, its interval and Holm's p (text/plain only before).
    func testDatasetsAndStudiesShowAsHTMLTables() throws {
        let r = try run("""
            -- %%
            local x, y = tensor.randn(30, 2), tensor.zeros(30)
            for i = 1, 30 do y[i] = (i - 1) % 3 + 1; x[i][1] = x[i][1] + 2 * y[i] end
            ds = data.tensors(x, y, {classes = {"a<b", "b", "c"}})
            ds
            -- %%
            experiment.learnability{data = {train = ds, test = ds}, s_from_test = true, seeds = {1, 2, 3}, epochs = 1, quiet = true,
              methods = {"tpr_weighted_ce"}, controls = true, name = "blobs",
              model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 2, classes = 3} end}
            """)
        let d = try XCTUnwrap(value(r, cell: 1)?.html)
        XCTAssertTrue(d.contains("<caption>Dataset(features 2, 30 samples, 3 classes)</caption>"), d)
        XCTAssertTrue(d.contains("<tr><td>1</td><td>a&lt;b</td><td>10</td></tr>"), d)
        let s = try XCTUnwrap(value(r, cell: 2)?.html)
        XCTAssertTrue(s.contains("<caption>learnability study (blobs): D = Var(s) - Var(s')"), s)
        XCTAssertTrue(s.contains("<th>D vs control [95% CI]</th>"), s)
        XCTAssertTrue(s.contains("<tr><td>baseline</td><td>3</td>"), s)
        XCTAssertTrue(s.contains("<tr><td>tpr_weighted_ce</td><td>3</td>"), s)
        XCTAssertTrue(s.contains("<tr><td>tpr_weighted_ce (control)</td><td>3</td>"), s)
    }

    func testDisplayProtocol() throws {
        let r = try run("""
            -- %%
            p = setmetatable({}, {__svg = function(self) return '<svg width="10" height="10"></svg>' end})
            display(p)
            print("between")
            setmetatable({}, {__html = function() return "<b>hi</b>" end, __markdown = function() return "**hi**" end})
            -- %%
            setmetatable({}, {__svg = function() error("no data") end})
            -- %%
            setmetatable({}, {__svg = function() return 42 end})
            -- %%
            print("the rest runs")
            """)
        let outs = outputs(r, cell: 1)
        XCTAssertEqual(outs.count, 3)
        guard case .display(let plot) = outs[0] else { return XCTFail("\(outs)") }
        XCTAssertEqual(plot.svg, "<svg width=\"10\" height=\"10\"></svg>")
        XCTAssertEqual(outs[1], .stream(.stdout, "between\n"))
        guard case .result(let rich) = outs[2] else { return XCTFail("\(outs)") }
        XCTAssertEqual(rich.html, "<b>hi</b>")
        XCTAssertEqual(rich.markdown, "**hi**")

        let failed = try XCTUnwrap(r.results[1]?.error)
        XCTAssertEqual(failed.phase, .display)
        XCTAssertTrue(failed.message.contains("__svg failed"), failed.message)
        XCTAssertTrue(failed.message.contains("no data"), failed.message)
        XCTAssertTrue(try XCTUnwrap(r.results[2]?.error).message.contains("__svg must return a string, got number"))
        XCTAssertEqual(outputs(r, cell: 4), [.stream(.stdout, "the rest runs\n")])
    }

    func testErrorsNameTheirCellAndFileLineAndTheRestRuns() throws {
        let text = """
            -- %%
            function f(t)
              return t.x.y
            end
            -- %%
            print("before")
            f({})
            -- %%

            x = = 1
            -- %%
            print("after")
            """
        let r = try run(text)
        XCTAssertEqual(r.errorCount, 2)
        let runtime = try XCTUnwrap(r.results[1]?.error)
        XCTAssertEqual(runtime.phase, .run)
        XCTAssertTrue(runtime.message.hasPrefix("nb.lua:3: attempt to index a nil value"), runtime.message)
        XCTAssertEqual(runtime.line, 3)
        XCTAssertEqual(runtime.lineCell, 1, "the failing line is in the cell that defined f")
        XCTAssertTrue(runtime.traceback.contains("nb.lua:7:"), runtime.traceback)
        XCTAssertEqual(outputs(r, cell: 2).first, .stream(.stdout, "before\n"))

        let syntax = try XCTUnwrap(r.results[2]?.error)
        XCTAssertEqual(syntax.phase, .compile)
        XCTAssertEqual(syntax.line, 10)
        XCTAssertEqual(syntax.lineCell, 3)
        XCTAssertTrue(syntax.message.hasPrefix("nb.lua:10:"), syntax.message)
        XCTAssertEqual(outputs(r, cell: 4), [.stream(.stdout, "after\n")])
    }

    func testErrorLinesOnlyNameTheNotebookItself() throws {
        let r = try run("error('other_nb.lua:5: not ours', 0)")
        XCTAssertEqual(try XCTUnwrap(r.results[0]?.error).line, 1, "from the traceback, not other_nb.lua:5")
    }

    func testHostileCellsDoNotCrashTheRunner() throws {
        let r = try run("""
            -- %%
            print = nil
            -- %%
            setmetatable({}, {__tostring = function() error("bad tostring") end})
            -- %%
            debug.getregistry()["lwscript.notebook"] = 1
            -- %%
            print("unreachable")
            """)
        XCTAssertEqual(r.results.count, 4)
        XCTAssertNotNil(r.results[3]?.error, "a cell that breaks the notebook's helpers gets an error, not a crash")
    }

    func testStopAtFirstError() throws {
        let r = try run("-- %%\nerror('boom')\n-- %%\nprint('never')\n", RunOptions(stopAtFirstError: true))
        XCTAssertNotNil(r.results[0]?.error)
        XCTAssertNil(r.results[1])
        XCTAssertEqual(r.cellsRun, 1)
        XCTAssertTrue(r.notes.joined().contains("--stop"))
    }

    func testRunUpToCell() throws {
        let r = try run("-- %%\na = 1\n-- %% [markdown]\n-- text\n-- %%\nprint(a)\n-- %%\nprint('no')\n",
                        RunOptions(lastCell: 3))
        XCTAssertEqual(r.document.cells.count, 3)
        XCTAssertEqual(r.results.count, 3)
        XCTAssertEqual(outputs(r, cell: 3), [.stream(.stdout, "1\n")])
        XCTAssertEqual(r.results[2]?.executionCount, 2)
    }

    func testOutputOverTheLimitIsTruncatedWithANote() throws {
        let r = try run("for i = 1, 1000 do print(string.rep('x', 99)) end",
                        RunOptions(outputLimit: 1000))
        let outs = outputs(r, cell: 1)
        guard case .stream(.stdout, let text) = outs.first else { return XCTFail("\(outs)") }
        XCTAssertEqual(text.utf8.count, 1000)
        guard case .note(let note) = outs.last else { return XCTFail("\(outs)") }
        XCTAssertTrue(note.contains("99000 more bytes"), note)
    }

    func testRequireFindsModulesNextToTheNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "return {answer = 42}".write(to: dir.appendingPathComponent("mymod.lua"), atomically: true, encoding: .utf8)
        let r = try run("require('mymod').answer", path: dir.appendingPathComponent("nb.lua").path)
        XCTAssertEqual(value(r, cell: 1)?.plain, "42")
    }

    func testOsExitIsAnErrorNotAnExit() throws {
        let r = try run("-- %%\nos.exit(3)\n-- %%\nprint('alive')\n")
        XCTAssertTrue(try XCTUnwrap(r.results[0]?.error).message.contains("os.exit is not available"))
        XCTAssertEqual(outputs(r, cell: 2), [.stream(.stdout, "alive\n")])
    }

    func testWriteErrorsLikeLua() throws {
        let r = try run("io.write({})")
        let e = try XCTUnwrap(r.results[0]?.error)
        XCTAssertTrue(e.message.contains("bad argument #1 to 'write' (string expected, got table)"), e.message)
        XCTAssertEqual(e.line, 1)
    }
}
