import Foundation

/// Splits a Lua file into notebook cells with the percent-cell convention of Jupytext and
/// VS Code, in Lua comment syntax:
///
///     -- %% Optional title            starts a code cell
///     -- %% [markdown]                starts a markdown cell; its lines are `--` comments
///
/// Lines before the first marker form a first code cell when they hold anything. Every cell
/// remembers where its source starts in the file, so errors can name the file's lines.

/// One cell of a notebook.
public struct Cell: Equatable, Sendable {
    public enum Kind: String, Sendable { case code, markdown }

    /// 1-based position among all cells (code and markdown), as `--cell N` counts.
    public var number: Int
    public var kind: Kind
    /// Text after the marker (`-- %% Train the model` has the title "Train the model").
    public var title: String
    /// The code, or the markdown text with the comment prefixes removed. Leading and trailing
    /// blank lines are dropped.
    public var source: String
    /// File line (1-based) of the first line of `source`.
    public var firstLine: Int
    /// File line of the `-- %%` marker; nil for the cell before the first marker.
    public var markerLine: Int?

    public init(number: Int, kind: Kind, title: String = "", source: String, firstLine: Int, markerLine: Int? = nil) {
        self.number = number
        self.kind = kind
        self.title = title
        self.source = source
        self.firstLine = firstLine
        self.markerLine = markerLine
    }

    /// Number of lines in `source` (0 when empty).
    public var lineCount: Int { source.isEmpty ? 0 : source.split(separator: "\n", omittingEmptySubsequences: false).count }

    /// File line of the last source line (the marker's line for an empty cell).
    public var lastLine: Int { lineCount == 0 ? (markerLine ?? firstLine) : firstLine + lineCount - 1 }

    /// "line 7" or "lines 7–12".
    public var lineRange: String { lineCount <= 1 ? "line \(lastLine)" : "lines \(firstLine)–\(lastLine)" }

    /// File line of line `chunkLine` (1-based) of `source`.
    public func fileLine(chunkLine: Int) -> Int { firstLine + chunkLine - 1 }
}

/// A parsed notebook: its cells and where it came from.
public struct NotebookDocument: Sendable {
    /// The path as given (used in messages and the report's title).
    public var path: String
    public var cells: [Cell]

    public init(path: String, cells: [Cell]) {
        self.path = path
        self.cells = cells
    }

    /// The file name, e.g. "tour.lua".
    public var fileName: String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The cell holding file line `line`, if any.
    public func cell(containingLine line: Int) -> Cell? {
        cells.last { ($0.markerLine ?? $0.firstLine) <= line }
    }
}

public enum CellParser {
    /// Splits `text` into cells. Never fails: any text is a notebook (a file without markers
    /// is one code cell).
    public static func parse(_ text: String, path: String = "notebook.lua") -> NotebookDocument {
        // "\r\n" is one Character in Swift: normalise line ends before splitting.
        let text = text.replacingOccurrences(of: "\r\n", with: "\n")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.hasSuffix("\n") { lines.removeLast() }
        // A `#!` first line is skipped by lua itself; treat it as blank.
        if let first = lines.first, first.hasPrefix("#") { lines[0] = "" }

        struct Pending {
            var kind: Cell.Kind
            var title: String
            var markerLine: Int?
            var bodyStart: Int          // file line of the first body line
            var body: [Substring] = []
        }
        var pending = Pending(kind: .code, title: "", markerLine: nil, bodyStart: 1)
        var cells: [Cell] = []

        func close(_ p: Pending) {
            // The region before the first marker is a cell only if it holds something.
            if p.markerLine == nil && p.body.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { return }
            var body = p.body
            var start = p.bodyStart
            while let first = body.first, first.allSatisfy(\.isWhitespace) { body.removeFirst(); start += 1 }
            while let last = body.last, last.allSatisfy(\.isWhitespace) { body.removeLast() }
            let source: String
            switch p.kind {
            case .code:
                source = body.joined(separator: "\n")
            case .markdown:
                source = markdownText(body)
            }
            if body.isEmpty { start = (p.markerLine ?? 0) + 1 }
            cells.append(Cell(number: cells.count + 1, kind: p.kind, title: p.title, source: source,
                              firstLine: start, markerLine: p.markerLine))
        }

        for (i, line) in lines.enumerated() {
            let lineNumber = i + 1
            if let marker = parseMarker(line) {
                close(pending)
                pending = Pending(kind: marker.kind, title: marker.title, markerLine: lineNumber, bodyStart: lineNumber + 1)
            } else {
                pending.body.append(line)
            }
        }
        close(pending)
        return NotebookDocument(path: path, cells: cells)
    }

    /// `-- %% title` or `-- %% [markdown] title` (also `--%%`, and `[md]`); nil for other lines.
    static func parseMarker(_ line: Substring) -> (kind: Cell.Kind, title: String)? {
        guard line.hasPrefix("--") else { return nil }
        var rest = line.dropFirst(2)
        while rest.first == " " || rest.first == "\t" { rest.removeFirst() }
        guard rest.hasPrefix("%%") else { return nil }
        rest = rest.dropFirst(2)
        // `-- %%%` or `-- %%x` are ordinary comments.
        if let c = rest.first, c != " " && c != "\t" { return nil }
        var title = rest.trimmingWhitespace()
        var kind = Cell.Kind.code
        for tag in ["[markdown]", "[md]"] {
            if let r = title.range(of: tag) {
                kind = .markdown
                title = (String(title[..<r.lowerBound]) + " " + String(title[r.upperBound...])).trimmingWhitespace()
                break
            }
        }
        return (kind, title)
    }

    /// The text of a markdown cell: each `--` comment line loses its `-- ` (or `--`) prefix; a
    /// cell written as one `--[[ ... ]]` block comment loses the brackets.
    static func markdownText(_ body: [Substring]) -> String {
        let joined = body.joined(separator: "\n")
        let trimmed = joined.trimmingWhitespace()
        if trimmed.hasPrefix("--[[") && trimmed.hasSuffix("]]") {
            return String(trimmed.dropFirst(4).dropLast(2)).trimmingBlankLines()
        }
        return body.map { line -> String in
            let lead = line.prefix { $0 == " " || $0 == "\t" }
            let rest = line.dropFirst(lead.count)
            guard rest.hasPrefix("--") else { return String(line) }
            let text = rest.dropFirst(2)
            return String(text.hasPrefix(" ") ? text.dropFirst() : text)
        }.joined(separator: "\n")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// Drops blank lines at both ends, keeping the indentation of the first kept line.
    func trimmingBlankLines() -> String {
        var lines = self.split(separator: "\n", omittingEmptySubsequences: false)
        while let f = lines.first, f.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        while let l = lines.last, l.allSatisfy(\.isWhitespace) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
