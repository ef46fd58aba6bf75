import Foundation

/// Writes a report as one self-contained HTML file: inline CSS, SVG plots embedded, no
/// scripts and nothing fetched from the network.
public enum HTMLWriter {
    public static func render(_ report: NotebookReport) -> String {
        var body: [String] = []
        let title = Escaping.html(report.title)
        var cells = Array(zip(report.document.cells, report.results))
        body.append("<header class=\"report-head\">")
        // A notebook that opens with a "# Title" markdown cell keeps it as the page's heading.
        if let first = cells.first, first.0.kind == .markdown, first.0.source.hasPrefix("# ") {
            body.append(cellHTML(first.0, first.1, report: report))
            cells.removeFirst()
        } else {
            body.append("<h1 class=\"report-title\">\(title)</h1>")
        }
        let date = ISO8601DateFormatter.string(from: report.generated, timeZone: .current,
                                               formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime])
        body.append("<p class=\"meta\"><code>\(Escaping.html(report.document.path))</code> · \(Escaping.html(report.summary)) · generated \(Escaping.html(date)) by \(Escaping.html(report.generator))</p>")
        for note in report.notes { body.append("<p class=\"note\">\(Escaping.html(note))</p>") }
        let errorCells = zip(report.document.cells, report.results).filter { $0.1?.error != nil }.map { $0.0.number }
        if !errorCells.isEmpty {
            let links = errorCells.map { "<a href=\"#cell-\($0)\">cell \($0)</a>" }.joined(separator: ", ")
            body.append("<p class=\"note error-note\">Errors in \(links).</p>")
        }
        body.append("</header>")
        for (cell, result) in cells {
            body.append(cellHTML(cell, result, report: report))
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="\(Escaping.html(report.generator))">
        <title>\(title)</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        <main>
        \(body.joined(separator: "\n"))
        </main>
        </body>
        </html>

        """
    }

    static func cellHTML(_ cell: Cell, _ result: CellResult?, report: NotebookReport) -> String {
        let id = "cell-\(cell.number)"
        if cell.kind == .markdown {
            return "<section class=\"cell markdown\" id=\"\(id)\">\n\(MarkdownRenderer.html(cell.source))\n</section>"
        }
        var classes = ["cell", "code"]
        if result == nil { classes.append("not-run") }
        if result?.error != nil { classes.append("failed") }
        var out: [String] = ["<section class=\"\(classes.joined(separator: " "))\" id=\"\(id)\">"]
        var head = "<div class=\"cell-head\"><a class=\"label\" href=\"#\(id)\">[\(cell.number)]</a>"
        if !cell.title.isEmpty { head += " <span class=\"cell-title\">\(Escaping.html(cell.title))</span>" }
        let lines = cell.lineRange
        head += "<span class=\"facts\"><span class=\"lines\">\(lines)</span>"
        if let result {
            head += " <span class=\"time\" title=\"time to run the cell\">\(Escaping.html(formatSeconds(result.seconds)))</span>"
        } else {
            head += " <span class=\"time\">not run</span>"
        }
        head += "</span></div>"
        out.append(head)
        if !cell.source.isEmpty {
            let errorLine = result?.error?.lineCell == cell.number ? result?.error?.line : nil
            let rendered = LuaHighlighter.htmlLines(cell.source).enumerated().map { i, html -> String in
                let n = cell.firstLine + i
                let cls = n == errorLine ? "ln err-line" : "ln"
                return "<span class=\"\(cls)\"><span class=\"n\">\(n)</span>\(html.isEmpty ? " " : html)</span>"
            }
            out.append("<pre class=\"source\"><code>" + rendered.joined() + "</code></pre>")
        }
        if let result, !result.outputs.isEmpty {
            out.append("<div class=\"outputs\">")
            for output in result.outputs { out.append(outputHTML(output, cell: cell)) }
            out.append("</div>")
        }
        out.append("</section>")
        return out.joined(separator: "\n")
    }

    static func outputHTML(_ output: CellOutput, cell: Cell) -> String {
        switch output {
        case .stream(let name, let text):
            return "<pre class=\"stream \(name.rawValue)\">\(Escaping.html(text))</pre>"
        case .display(let d):
            return "<div class=\"display\">\(displayHTML(d))</div>"
        case .result(let d):
            return "<div class=\"result\"><span class=\"out-label\">value</span>\(displayHTML(d))</div>"
        case .note(let text):
            return "<p class=\"note\">\(Escaping.html(text))</p>"
        case .error(let e):
            var where_ = "\(e.kindName.prefix(1).uppercased())\(e.kindName.dropFirst()) in cell \(cell.number)"
            if let line = e.line {
                where_ += " at line \(line)"
                if let other = e.lineCell, other != cell.number { where_ += " (in cell \(other))" }
            }
            var html = "<div class=\"error\"><div class=\"error-head\">\(Escaping.html(where_))</div>"
            html += "<pre>\(Escaping.html(e.message))</pre>"
            if !e.traceback.isEmpty {
                html += "<details><summary>traceback</summary><pre>\(Escaping.html(e.traceback))</pre></details>"
            }
            return html + "</div>"
        }
    }

    /// The richest form of a value: SVG, HTML, Markdown, a table, plain text.
    static func displayHTML(_ d: DisplayData) -> String {
        if let svg = d.svg { return "<div class=\"plot\">\(Escaping.svg(svg, standalone: false))</div>" }
        if let html = d.html { return "<div class=\"html-value\">\(html)</div>" }
        if let md = d.markdown { return "<div class=\"markdown-value\">\(MarkdownRenderer.html(md))</div>" }
        if let table = d.table { return tableHTML(table) }
        return "<pre class=\"value\">\(Escaping.html(d.plain))</pre>"
    }

    /// A table of numbers with its caption (also used for text/html in .ipynb).
    public static func tableHTML(_ t: TableData) -> String {
        let rowHeads = t.rowLabels.contains { !$0.isEmpty }
        var html = "<figure class=\"table\"><div class=\"scroll\"><table class=\"data\"><thead><tr>"
        if rowHeads { html += "<th></th>" }
        for h in t.header { html += "<th>\(Escaping.html(h))</th>" }
        html += "</tr></thead><tbody>"
        for (i, row) in t.rows.enumerated() {
            html += "<tr>"
            if rowHeads { html += "<th>\(Escaping.html(i < t.rowLabels.count ? t.rowLabels[i] : ""))</th>" }
            for v in row { html += "<td>\(Escaping.html(v))</td>" }
            html += "</tr>"
        }
        html += "</tbody></table></div><figcaption>\(Escaping.html(t.caption))"
        if let note = t.note { html += " · \(Escaping.html(note))" }
        return html + "</figcaption></figure>"
    }

    static let css = """
    :root { --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --code-bg: #f6f8fa; --accent: #0969da;
            --err: #cf222e; --err-bg: #ffebe9; --warn-bg: #fff8c5; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--fg); background: #fff;
           font: 16px/1.55 -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; }
    main { max-width: 980px; margin: 0 auto; padding: 24px 20px 64px; }
    code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13.5px; }
    pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    a { color: var(--accent); }
    .report-head { border-bottom: 1px solid var(--line); margin-bottom: 20px; }
    .report-head .cell.markdown { margin: 0; }
    .report-head h1 { margin-top: 8px; }
    .report-title { font-size: 28px; margin: 0 0 4px; }
    .meta { color: var(--muted); font-size: 14px; margin: 0 0 12px; }
    .note { background: var(--warn-bg); border-radius: 6px; padding: 6px 10px; font-size: 14px; margin: 6px 0; }
    .error-note { background: var(--err-bg); }
    .cell { margin: 18px 0; }
    .cell.markdown h1, .cell.markdown h2, .cell.markdown h3 { margin: 24px 0 8px; line-height: 1.25; }
    .cell.markdown p { margin: 8px 0; }
    .cell.markdown code, .markdown-value code { background: var(--code-bg); padding: 1px 4px; border-radius: 4px; }
    .cell.markdown pre, .markdown-value pre { background: var(--code-bg); padding: 10px; border-radius: 6px; }
    blockquote { margin: 8px 0; padding: 0 12px; color: var(--muted); border-left: 4px solid var(--line); }
    .cell.code { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
    .cell.failed { border-color: var(--err); }
    .cell.not-run { opacity: 0.6; }
    .cell-head { display: flex; gap: 8px; align-items: baseline; padding: 6px 12px; background: #fafbfc;
                 border-bottom: 1px solid var(--line); font-size: 14px; }
    .cell-head .label { font-family: ui-monospace, monospace; color: var(--muted); text-decoration: none; }
    .cell-title { font-weight: 600; }
    .facts { margin-left: auto; color: var(--muted); display: flex; gap: 12px; }
    .time { font-variant-numeric: tabular-nums; }
    pre.source { background: var(--code-bg); padding: 10px 12px; overflow-x: auto; white-space: pre; }
    .ln { display: block; }
    .ln .n { display: inline-block; width: 3.2em; margin-right: 10px; text-align: right; color: #8c959f; user-select: none; }
    .err-line { background: var(--err-bg); }
    .tok-comment { color: #6e7781; font-style: italic; }
    .tok-string { color: #0a3069; }
    .tok-number { color: #0550ae; }
    .tok-keyword { color: #cf222e; font-weight: 600; }
    .tok-builtin { color: #8250df; }
    .outputs { padding: 10px 12px; display: flex; flex-direction: column; gap: 8px; border-top: 1px solid var(--line); }
    pre.stream { padding: 2px 0; }
    pre.stderr { color: #953800; background: #fff8f0; padding: 4px 6px; border-radius: 4px; }
    .result { position: relative; }
    .out-label { display: block; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
    pre.value { background: #fbfbfc; padding: 4px 6px; border-left: 3px solid var(--line); }
    .plot svg { max-width: 100%; height: auto; display: block; }
    figure.table { margin: 0; }
    .scroll { overflow-x: auto; }
    table.data { border-collapse: collapse; font: 13px ui-monospace, "DejaVu Sans Mono", monospace;
                 font-variant-numeric: tabular-nums; }
    table.data th, table.data td { border: 1px solid var(--line); padding: 3px 8px; text-align: right; }
    table.data th { background: var(--code-bg); color: var(--muted); font-weight: 600; }
    figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
    .error { border: 1px solid var(--err); background: var(--err-bg); border-radius: 6px; padding: 8px 10px; }
    .error-head { color: var(--err); font-weight: 600; margin-bottom: 4px; }
    .error summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-top: 6px; }
    """
}
