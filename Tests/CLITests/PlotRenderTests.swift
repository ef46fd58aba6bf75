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

/// Issue 18: plots a reviewer accepts, measured on what Chromium renders: 10 and 12 series
/// told apart (colour and dash), the legend beside the data, crowded scatter labels whose
/// rendered boxes do not intersect, error bars and bands where asked; and the PNG beside each
/// SVG in an .ipynb report.
extension NotebookCLITests {
    /// Renders the SVG that `lua` saves (`p:save(arg[1])`) in headless Chromium and returns
    /// what the page measured: label boxes, lines' looks, the legend's and the plot area's
    /// boxes, error bars and bands (getBBox of the rendered elements).
    func measure(_ lua: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let chromium = "/usr/bin/chromium"
        try requireTool(chromium, package: "chromium")
        let dir = try tempDir()
        let svg = dir.appendingPathComponent("p.svg"), script = dir.appendingPathComponent("p.lua")
        try lua.write(to: script, atomically: true, encoding: .utf8)
        let made = try lwscript([script.path, svg.path])
        XCTAssertEqual(made.status, 0, made.stderr, file: file, line: line)
        let page = dir.appendingPathComponent("p.html")
        try """
            <!doctype html><html><body style="margin:0">\(try read(svg))<pre id="out"></pre><script>
            const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
            const all = s => [...document.querySelectorAll(s)];
            const legend = document.querySelector("g.legend");
            document.getElementById("out").textContent = "MEASURED" + JSON.stringify({
              labels: all("text.point-label, text.point-key").map(t => box(t).concat([t.textContent])),
              points: all("circle.point").length,
              lines: all("polyline").map(l => (l.getAttribute("stroke") || "") + " " + (l.getAttribute("stroke-dasharray") || "")),
              legend: legend ? box(legend) : null,
              area: document.querySelector("clipPath rect") ? box(document.querySelector("clipPath rect")) : null,
              errorBars: all("line.error-bar").filter(l => { const b = box(l); return b[2] > b[0] || b[3] > b[1]; }).length,
              bands: all("polygon.band").filter(p => { const b = box(p); return b[3] > b[1]; }).length,
            }) + "END";
            </script></body></html>
            """.write(to: page, atomically: true, encoding: .utf8)
        let r = try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                   "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--dump-dom", page.absoluteString])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        guard let start = r.stdout.range(of: "MEASURED{"), let end = r.stdout.range(of: "END", range: start.upperBound..<r.stdout.endIndex) else {
            XCTFail("no measurement in Chromium's DOM: \(r.stdout.prefix(300))", file: file, line: line)
            return [:]
        }
        let text = "{" + String(r.stdout[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
        guard let measured = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            XCTFail("Chromium's measurement is not JSON: \(text.prefix(300))", file: file, line: line)
            return [:]
        }
        return measured
    }

    func testTenAndTwelveSeriesAreToldApartInChromium() throws {
        for n in [10, 12] {
            let m = try measure("""
                local names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                               "Ankle boot", "extra 11", "extra 12"}
                local series = {}
                for k = 1, \(n) do series[k] = {name = names[k], values = {0.5 + 0.03 * k, 0.55 + 0.03 * k, 0.6 + 0.03 * k}} end
                plot.lines{x = {1, 2, 3}, series = series, title = "\(n) series", xlabel = "epoch"}:save(arg[1])
                """)
            let looks = try XCTUnwrap(m["lines"] as? [String])
            XCTAssertEqual(looks.count, n, "\(n) lines")
            XCTAssertEqual(Set(looks).count, n, "\(n) series: every line has its own colour and dash: \(looks)")
            XCTAssertFalse(looks.contains { $0.uppercased().hasPrefix("#F0E442") }, "no pale yellow line")
            XCTAssertEqual(looks[6], "#000000 ", "Shirt (the 7th) is solid black")
            let legend = try XCTUnwrap(m["legend"] as? [Double]), area = try XCTUnwrap(m["area"] as? [Double])
            XCTAssertGreaterThan(legend[0], area[2], "\(n) series: the legend is right of the plot area (\(legend) vs \(area))")
            XCTAssertLessThanOrEqual(legend[3], 440, "\(n) series: the legend fits in the picture")
        }
    }

    func testCrowdedScatterLabelsDoNotIntersectInChromium() throws {
        let m = try measure("""
            local pts = {}
            for i = 1, 16 do
              pts[i] = {x = 0.03 + 0.002 * math.sin(i), y = 0.72 + 0.01 * math.cos(i * 1.7), label = "method_" .. i,
                        ylo = 0.71 + 0.01 * math.cos(i * 1.7), yhi = 0.73 + 0.01 * math.cos(i * 1.7)}
            end
            pts[17] = {x = 0.09, y = 0.55, label = "gamma=4"}
            pts[18] = {x = 0.01, y = 0.80, label = "gamma=0 (baseline)"}
            plot.scatter{points = pts, connect = true, title = "crowded", xlabel = "Var(s')", ylabel = "accuracy"}:save(arg[1])
            """)
        let labels = try XCTUnwrap(m["labels"] as? [[Any]])
        XCTAssertEqual(m["points"] as? Int, 18)
        XCTAssertEqual(labels.count, 18, "one label (or number) per point")
        let boxes = labels.map { l in (l[0..<4].compactMap { $0 as? Double }, l[4] as? String ?? "") }
        for (i, a) in boxes.enumerated() {
            XCTAssertEqual(a.0.count, 4)
            XCTAssertTrue(a.0[0] >= 0 && a.0[1] >= 0 && a.0[2] <= 760 && a.0[3] <= 440, "'\(a.1)' inside the picture: \(a.0)")
            for b in boxes[(i + 1)...] {
                let overlap = a.0[0] < b.0[2] && b.0[0] < a.0[2] && a.0[1] < b.0[3] && b.0[1] < a.0[3]
                XCTAssertFalse(overlap, "'\(a.1)' \(a.0) and '\(b.1)' \(b.0) intersect")
            }
        }
    }

    func testErrorBarsAndBandsAreDrawnWhereAskedInChromium() throws {
        let bars = try measure("""
            plot.bars{labels = {"shirt", "coat", "bag"}, ylim = {0, 1}, series = {
              {name = "before", values = {0.5, 0.7, 0.9}, lo = {0.4, 0.6, 0.85}, hi = {0.6, 0.8, 0.95}},
              {name = "after", values = {0.6, 0.7, 0.9}}}}:save(arg[1])
            """)
        XCTAssertEqual(bars["errorBars"] as? Int, 3 * 3, "three error bars (a line and two caps each), none on 'after'")
        let plain = try measure("""
            plot.bars{labels = {"shirt", "coat"}, series = {{name = "x", values = {0.5, 0.7}}}}:save(arg[1])
            """)
        XCTAssertEqual(plain["errorBars"] as? Int, 0, "no error bars unless asked")
        let scatter = try measure("""
            plot.scatter{points = {{x = 0.03, y = 0.7, label = "a", xlo = 0.02, xhi = 0.04, ylo = 0.65, yhi = 0.72},
                                   {x = 0.05, y = 0.6, label = "b", ylo = 0.55, yhi = 0.62}, {x = 0.06, y = 0.5, label = "c"}}}:save(arg[1])
            """)
        XCTAssertEqual(scatter["errorBars"] as? Int, 3 * 3, "x and y bars of a, the y bar of b")
        let lines = try measure("""
            plot.lines{x = {1, 2, 3}, series = {{name = "shirt", values = {0.4, 0.5, 0.6}, lo = {0.3, 0.45, 0.5}, hi = {0.5, 0.55, 0.7}},
                                                {name = "coat", values = {0.6, 0.7, 0.8}}}}:save(arg[1])
            """)
        XCTAssertEqual(lines["bands"] as? Int, 1, "one band, for shirt")
    }

    /// nbconvert 6.5 draws SVG-only outputs as blank boxes: each plot of an .ipynb report also
    /// carries a PNG of the plot's size, made by rsvg-convert or Chromium; none with
    /// LWSCRIPT_RASTERISER=none (and the report stays valid).
    func testIpynbCarriesAPNGBesideEachSVG() throws {
        try requirePythonModule("nbformat", package: "python3-nbformat")
        try requirePythonModule("PIL", package: "python3-pil")
        let dir = try tempDir()
        let notebook = dir.appendingPathComponent("plots.lua")
        try """
            -- %%
            plot.bars{labels = {"a", "b"}, series = {{name = "x", values = {1, 2}}}, width = 500, height = 300}
            -- %%
            display(plot.lines{series = {{values = {3, 2, 1}}}})
            """.write(to: notebook, atomically: true, encoding: .utf8)
        var rasterisers: [String] = []
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") { rasterisers.append("rsvg-convert") }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") { rasterisers.append("chromium") }
        if rasterisers.isEmpty { try requireTool("/usr/bin/rsvg-convert", package: "librsvg2-bin") }
        for rasteriser in rasterisers + ["none"] {
            let path = dir.appendingPathComponent("\(rasteriser).ipynb").path
            let made = try lwscript(["notebook", notebook.path, "-o", path], environment: ["LWSCRIPT_RASTERISER": rasteriser])
            XCTAssertEqual(made.status, 0, made.stderr)
            let r = try run(Self.python, ["-c", """
                import sys, io, base64, nbformat
                from PIL import Image
                nb = nbformat.read(sys.argv[1], as_version=4)
                nbformat.validate(nb)
                for c in nb.cells:
                    for o in c.get("outputs", []):
                        d = o.get("data", {})
                        if "image/png" in d:
                            im = Image.open(io.BytesIO(base64.b64decode(d["image/png"])))
                            print("svg" if "image/svg+xml" in d else "-", "png %dx%d" % im.size)
                        elif "image/svg+xml" in d:
                            print("svg", "no png")
                """, path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let expected = rasteriser == "none" ? "svg no png\nsvg no png" : "svg png 500x300\nsvg png 760x440"
            XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), expected, rasteriser)
        }
    }
}
