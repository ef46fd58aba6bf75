import Foundation
import XCTest

/// `lwscript notebook` as a user runs it, and its reports checked by real consumers: headless
/// Chromium for HTML, nbformat for .ipynb. Those two tools come from Debian (`chromium`,
/// `python3-nbformat`, `python3-pil`), installed by scripts/test; without them the checks are
/// skipped, unless LWSCRIPT_REQUIRE_REPORT_TOOLS=1 (set by scripts/test) makes that a failure.
final class NotebookCLITests: XCTestCase {
    static let root = CLITests.root
    static let sample = root.appendingPathComponent("Tests/notebooks/sample.lua").path
    static let tour = root.appendingPathComponent("scripts/notebooks/tour.lua").path
    static let python = "/usr/bin/python3"

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Runs `executable` with a time limit (a hung browser must not hang the suite).
    func run(_ executable: String, _ args: [String], timeout: TimeInterval = 120,
             environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        // Output goes to files: no pipe to drain while waiting, however much is written.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lws-run-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        p.waitUntilExit()
        killer.cancel()
        try out.close()
        try err.close()
        let o = (try? Data(contentsOf: outURL)) ?? Data(), e = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    func lwscript(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        try run(CLITests.binary.path, args, environment: environment)
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-nb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Skips (or fails, under scripts/test) when a report-checking tool is missing.
    func requireTool(_ path: String, package: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            let message = "\(path) is missing (Debian package \(package); scripts/test installs it)"
            if ProcessInfo.processInfo.environment["LWSCRIPT_REQUIRE_REPORT_TOOLS"] == "1" {
                XCTFail(message)
            }
            throw XCTSkip(message)
        }
    }

    func requirePythonModule(_ module: String, package: String) throws {
        try requireTool(Self.python, package: "python3")
        let r = try run(Self.python, ["-c", "import \(module)"])
        guard r.status == 0 else {
            let message = "python module \(module) is missing (Debian package \(package); scripts/test installs it)"
            if ProcessInfo.processInfo.environment["LWSCRIPT_REQUIRE_REPORT_TOOLS"] == "1" { XCTFail(message) }
            throw XCTSkip(message)
        }
    }

    // MARK: the command

    func testSampleNotebookInAllThreeFormats() throws {
        let dir = try tempDir()
        for name in ["report.html", "report.md", "report.ipynb"] {
            let r = try lwscript(["notebook", Self.sample, "-o", dir.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 1, "the sample has a failing cell: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("error in cell 7: sample.lua:34: attempt to index a nil value (local 'x')"), r.stderr)
            XCTAssertTrue(r.stdout.contains("6 of 6 code cells run, 1 error"), r.stdout)
        }
        let html = try read(dir.appendingPathComponent("report.html"))
        XCTAssertTrue(html.contains("<svg"), "the plot is inline")
        XCTAssertTrue(html.contains("<table class=\"data\">"))
        XCTAssertTrue(html.contains("ready\n"))
        XCTAssertTrue(html.contains("a warning on stderr"))
        XCTAssertTrue(html.contains("<p class='rich'>rich <em>html</em></p>"), "__html is shown as HTML")
        XCTAssertTrue(html.contains("&lt;b&gt;not bold&lt;/b&gt; &amp; done"), "markdown text is escaped")
        XCTAssertTrue(html.contains("still running: &lt;script&gt;"))
        XCTAssertFalse(html.contains("<script"))

        let md = try read(dir.appendingPathComponent("report.md"))
        XCTAssertTrue(md.contains("![cell 6 plot 1](report_files/cell6_1.svg)"), md)
        let svg = try read(dir.appendingPathComponent("report_files/cell6_1.svg"))
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg)
        XCTAssertTrue(md.contains("| 0.9200 | 0.8100 | 0.6400 | 0.8800 |"), md)

        let ipynb = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.ipynb")))
        let cells = try XCTUnwrap((ipynb as? [String: Any])?["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 8)
    }

    func testTourNotebookRunsWithoutErrors() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("tour.html")
        let r = try lwscript(["notebook", Self.tour, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try read(out).contains("<svg"))
    }

    func testCellAndStopOptions() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("r.ipynb")
        var r = try lwscript(["notebook", Self.sample, "--cell", "3", "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 of 2 code cells run"), r.stdout)
        r = try lwscript(["notebook", Self.sample, "--stop", "-o", out.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("5 of 6 code cells run, 1 error"), r.stdout)
    }

    func testBadInputGivesClearMessages() throws {
        let dir = try tempDir()
        var r = try lwscript(["notebook", "/nonexistent/nb.lua"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cannot open /nonexistent/nb.lua (no such file)"), r.stderr)

        r = try lwscript(["notebook", Self.sample, "-o", dir.appendingPathComponent("r.pdf").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unknown report format '.pdf' (use .html, .md or .ipynb)"), r.stderr)

        r = try lwscript(["notebook", Self.sample, "--cell", "99"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--cell 99"), r.stderr)

        r = try lwscript(["notebook", dir.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("is a directory"), r.stderr)

        r = try lwscript(["notebook", Self.sample, "-o", "/nonexistent-dir/r.html"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("does not exist"), r.stderr)

        let nb = dir.appendingPathComponent("broken.lua")
        try "-- %%\nx = 1\n-- %%\nprint('ok')\n\ny = = 2\n-- %%\nprint('after')\n".write(to: nb, atomically: true, encoding: .utf8)
        r = try lwscript(["notebook", nb.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("syntax error in cell 2: broken.lua:6:"), r.stderr)
        let html = try read(dir.appendingPathComponent("broken.html"))
        XCTAssertTrue(html.contains("Syntax error in cell 2 at line 6"), "the default report sits next to the notebook")
        XCTAssertTrue(html.contains("after\n"), "later cells still run")
    }

    func testHelp() throws {
        let help = try lwscript(["notebook", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("usage: lwscript notebook FILE.lua"), help.stdout)
        let main = try lwscript(["--help"])
        XCTAssertTrue(main.stdout.contains("lwscript notebook FILE.lua"), main.stdout)
        let bad = try lwscript(["notebook"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("no notebook file given"), bad.stderr)
    }

    // MARK: real consumers of the reports

    /// The HTML report in headless Chromium: the DOM holds the SVG and table elements (not
    /// escaped text), and a screenshot shows the plot's bars in their colour.
    func testHTMLReportRendersInChromium() throws {
        let chromium = "/usr/bin/chromium"
        try requireTool(chromium, package: "chromium")
        let dir = try tempDir()
        let html = dir.appendingPathComponent("report.html")
        _ = try lwscript(["notebook", Self.sample, "-o", html.path])
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                     "--user-data-dir=\(dir.appendingPathComponent("profile").path)"]

        let dom = try run(chromium, flags + ["--dump-dom", html.absoluteString])
        XCTAssertEqual(dom.status, 0, dom.stderr)
        XCTAssertTrue(dom.stdout.contains("<svg"), "inline SVG parsed as an element")
        XCTAssertTrue(dom.stdout.contains("<rect class=\"bar\""), "the plot's bars are in the DOM")
        XCTAssertFalse(dom.stdout.contains("&lt;svg"), "the SVG was not escaped into text")
        XCTAssertTrue(dom.stdout.contains("<table class=\"data\">"))
        XCTAssertTrue(dom.stdout.contains("<td>0.9200</td>"))

        let shot = dir.appendingPathComponent("report.png")
        let r = try run(chromium, flags + ["--window-size=1000,4000", "--screenshot=\(shot.path)", html.absoluteString])
        XCTAssertEqual(r.status, 0, r.stderr)
        let size = (try FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? NSNumber)?.intValue ?? 0
        XCTAssertGreaterThan(size, 20_000, "a rendered page, not a blank one")

        try requirePythonModule("PIL", package: "python3-pil")
        // Pixels in the bars' colour (#4c78a8): three bars of 40 px by up to 100 px.
        let count = try run(Self.python, ["-c", """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            print(sum(1 for r, g, b in im.getdata() if abs(r - 0x4c) < 6 and abs(g - 0x78) < 6 and abs(b - 0xa8) < 6))
            """, shot.path])
        XCTAssertEqual(count.status, 0, count.stderr)
        XCTAssertGreaterThan(Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 4000,
                             "the plot's bars are visible in the screenshot")
    }

    /// The .ipynb report is valid nbformat 4 and holds every kind of output.
    func testIpynbReportValidatesWithNbformat() throws {
        try requirePythonModule("nbformat", package: "python3-nbformat")
        let dir = try tempDir()
        let path = dir.appendingPathComponent("report.ipynb").path
        // (no rasteriser: the PNG beside each SVG is testIpynbCarriesAPNGBesideEachSVG's)
        _ = try lwscript(["notebook", Self.sample, "-o", path], environment: ["LWSCRIPT_RASTERISER": "none"])
        let r = try run(Self.python, ["-c", """
            import sys, nbformat
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            kinds = sorted({o.output_type for c in nb.cells if c.cell_type == "code" for o in c.outputs})
            mimes = sorted({m for c in nb.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})})
            print(nb.metadata.kernelspec.language, ",".join(kinds), ",".join(mimes))
            """, path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       "lua display_data,error,execute_result,stream image/svg+xml,text/html,text/plain")
    }
}
