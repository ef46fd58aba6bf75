import Foundation
import XCTest

/// The `plot` module's SVG files as a reader sees them: rendered by headless Chromium with no
/// other tool, and the bars of both series visible in their palette colours. Skipped without
/// Chromium and PIL unless LWSCRIPT_REQUIRE_REPORT_TOOLS=1 (helpers in NotebookCLITests).
extension NotebookCLITests {
    func testPlotSVGRendersInChromium() throws {
        let chromium = "/usr/bin/chromium"
        try requireTool(chromium, package: "chromium")
        try requirePythonModule("PIL", package: "python3-pil")
        let dir = try tempDir()
        let svg = dir.appendingPathComponent("tpr.svg")
        let script = dir.appendingPathComponent("plot.lua")
        try """
            local p = plot.bars{labels = {"shirt", "t-shirt", "coat"},
              series = {{name = "before", values = {0.6, 0.9, 0.8}}, {name = "after", values = {0.75, 0.88, 0.8}}},
              title = "Per-class TPR", ylabel = "TPR", ylim = {0, 1}}
            p:save(arg[1])
            """.write(to: script, atomically: true, encoding: .utf8)
        let made = try lwscript([script.path, svg.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        let csv = try read(dir.appendingPathComponent("tpr.csv"))
        XCTAssertTrue(csv.hasPrefix("label,series,value\nshirt,before,0.6\n"), csv)

        let shot = dir.appendingPathComponent("tpr.png")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                     "--user-data-dir=\(dir.appendingPathComponent("profile").path)"]
        let r = try run(chromium, flags + ["--window-size=800,500", "--screenshot=\(shot.path)", svg.absoluteString])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Pixels of the two series' colours (#0072B2 blue, #E69F00 orange): three bars each.
        let count = try run(Self.python, ["-c", """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            def n(c): return sum(1 for p in im.getdata() if all(abs(a - b) < 8 for a, b in zip(p, c)))
            print(n((0x00, 0x72, 0xB2)), n((0xE6, 0x9F, 0x00)))
            """, shot.path])
        XCTAssertEqual(count.status, 0, count.stderr)
        let counts = count.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(counts.count, 2, count.stdout)
        XCTAssertGreaterThan(counts.first ?? 0, 5000, "the 'before' bars are visible")
        XCTAssertGreaterThan(counts.last ?? 0, 5000, "the 'after' bars are visible")
    }
}
