import Foundation

/// Writes a report as a Jupyter notebook (nbformat 4.5) with its outputs, so Jupyter, VS Code
/// and GitHub show code, printed text, values, plots and errors.
///
/// Outputs map to nbformat as: printed text -> `stream`; `display(v)` -> `display_data`; the
/// cell's value -> `execute_result` (earlier values of a multi-value cell -> `display_data`);
/// errors -> `error`. Each value carries `text/plain` and, when it has them, `image/svg+xml`
/// (with `image/png` beside it when a rasteriser is given: nbconvert 6.5 shows SVG-only
/// outputs as blank boxes), `text/html` (tables, `__html`) and `text/markdown`.
public enum IpynbWriter {
    public static func render(_ report: NotebookReport, rasteriser: Rasteriser? = nil) throws -> Data {
        var cells: [[String: Any]] = []
        for (cell, result) in zip(report.document.cells, report.results) {
            cells.append(cellJSON(cell, result, rasteriser: rasteriser))
        }
        var lwscript: [String: Any] = [
            "source": report.document.path,
            "generator": report.generator,
            "generated": ISO8601DateFormatter().string(from: report.generated),
            "summary": report.summary,
        ]
        if !report.notes.isEmpty { lwscript["notes"] = report.notes }
        let notebook: [String: Any] = [
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": [
                // The kernel `lwscript kernel install` installs (Sources/Kernel), so Jupyter re-runs it.
                "kernelspec": ["name": "lwscript", "display_name": "Lua 5.4 (lwscript)", "language": "lua"],
                "language_info": ["name": "lua", "version": "5.4", "file_extension": ".lua",
                                  "mimetype": "text/x-lua", "codemirror_mode": "lua"],
                "title": report.title,
                "lwscript": lwscript,
            ] as [String: Any],
            "cells": cells,
        ]
        return try JSONSerialization.data(withJSONObject: notebook,
                                          options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// nbformat's multiline strings: a list of lines, each keeping its "\n".
    static func lines(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in text.unicodeScalars {
            current.unicodeScalars.append(c)
            if c == "\n" { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func cellJSON(_ cell: Cell, _ result: CellResult?, rasteriser: Rasteriser? = nil) -> [String: Any] {
        let id = "cell-\(cell.number)"
        if cell.kind == .markdown {
            return ["cell_type": "markdown", "id": id, "metadata": [String: Any](), "source": lines(cell.source)]
        }
        var meta: [String: Any] = ["lines": [cell.firstLine, cell.lastLine]]
        if !cell.title.isEmpty { meta["title"] = cell.title }
        var outputs: [[String: Any]] = []
        if let result {
            meta["seconds"] = (result.seconds * 1e6).rounded() / 1e6
            let lastResult = result.outputs.lastIndex { if case .result = $0 { return true } else { return false } }
            for (i, output) in result.outputs.enumerated() {
                outputs.append(outputJSON(output, cell: cell, executionCount: result.executionCount,
                                          isLastResult: i == lastResult, rasteriser: rasteriser))
            }
        } else {
            meta["not_run"] = true
        }
        return [
            "cell_type": "code", "id": id,
            "metadata": ["lwscript": meta],
            "execution_count": result.map { $0.executionCount as Any } ?? NSNull(),
            "outputs": outputs,
            "source": lines(cell.source),
        ]
    }

    static func outputJSON(_ output: CellOutput, cell: Cell, executionCount: Int, isLastResult: Bool,
                           rasteriser: Rasteriser? = nil) -> [String: Any] {
        switch output {
        case .stream(let name, let text):
            return ["output_type": "stream", "name": name.rawValue, "text": lines(text)]
        case .note(let text):
            return ["output_type": "stream", "name": "stderr", "text": lines("[lwscript] " + text + "\n")]
        case .display(let d):
            return ["output_type": "display_data", "data": mimeBundle(d, rasteriser: rasteriser), "metadata": [String: Any]()]
        case .result(let d):
            guard isLastResult else {
                return ["output_type": "display_data", "data": mimeBundle(d, rasteriser: rasteriser), "metadata": [String: Any]()]
            }
            return ["output_type": "execute_result", "execution_count": executionCount,
                    "data": mimeBundle(d, rasteriser: rasteriser), "metadata": [String: Any]()]
        case .error(let e):
            var head = "\(e.kindName) in cell \(cell.number)"
            if let line = e.line { head += " at line \(line)" }
            var traceback = [head] + e.message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if !e.traceback.isEmpty {
                traceback += e.traceback.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            let ename = e.phase == .compile ? "LuaSyntaxError" : e.phase == .display ? "DisplayError" : "LuaError"
            return ["output_type": "error", "ename": ename, "evalue": e.message, "traceback": traceback]
        }
    }

    /// The MIME bundle of a value as strings, as Jupyter messages carry it (the Jupyter
    /// kernel's execute_result and display_data); a plot gets a PNG beside its SVG when a
    /// rasteriser is given, as in .ipynb reports (nbconvert 6.5 shows SVG-only outputs blank).
    public static func mimeData(_ d: DisplayData, rasteriser: Rasteriser? = nil) -> [String: String] {
        var data = ["text/plain": d.plain]
        if let svg = d.svg {
            data["image/svg+xml"] = Escaping.svg(svg, standalone: true)
            if let png = rasteriser?.png(svg) { data["image/png"] = png.base64EncodedString() }
        }
        if let html = d.html {
            data["text/html"] = html
        } else if let table = d.table {
            data["text/html"] = HTMLWriter.tableHTML(table)
        }
        if let md = d.markdown { data["text/markdown"] = md }
        return data
    }

    static func mimeBundle(_ d: DisplayData, rasteriser: Rasteriser? = nil) -> [String: Any] {
        var data: [String: Any] = ["text/plain": lines(d.plain)]
        if let svg = d.svg {
            data["image/svg+xml"] = lines(Escaping.svg(svg, standalone: true))
            if let png = rasteriser?.png(svg) { data["image/png"] = png.base64EncodedString() }
        }
        if let html = d.html {
            data["text/html"] = lines(html)
        } else if let table = d.table {
            data["text/html"] = lines(HTMLWriter.tableHTML(table))
        }
        if let md = d.markdown { data["text/markdown"] = lines(md) }
        return data
    }
}
