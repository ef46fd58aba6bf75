import Foundation

/// What running a notebook produced: every cell with its outputs, ready for a writer.

/// A value shown in a report, in every form it offers. Writers pick the richest form their
/// format can hold (SVG, then HTML, Markdown, a table, and plain text last).
public struct DisplayData: Equatable, Sendable {
    /// Always present: what the REPL would print.
    public var plain: String
    /// From the value's `__svg` metamethod: `<svg ...>...</svg>`.
    public var svg: String?
    /// From `__html`: an HTML fragment.
    public var html: String?
    /// From `__markdown`: Markdown text.
    public var markdown: String?
    /// Tensors of 1 or 2 dimensions and plain arrays of numbers (1-D or 2-D).
    public var table: TableData?

    public init(plain: String, svg: String? = nil, html: String? = nil, markdown: String? = nil, table: TableData? = nil) {
        self.plain = plain
        self.svg = svg
        self.html = html
        self.markdown = markdown
        self.table = table
    }
}

/// Numbers laid out as a grid, already formatted (one shared number format per table).
public struct TableData: Equatable, Sendable {
    /// "FloatTensor of size 2x3", "Lua array of 10 numbers", ...
    public var caption: String
    /// Column headings (1-based indices).
    public var header: [String]
    /// Row headings, one per row.
    public var rowLabels: [String]
    public var rows: [[String]]
    /// Set when only part of the data is shown ("showing 100 of 5000 rows").
    public var note: String?

    public init(caption: String, header: [String], rowLabels: [String], rows: [[String]], note: String? = nil) {
        self.caption = caption
        self.header = header
        self.rowLabels = rowLabels
        self.rows = rows
        self.note = note
    }
}

/// An error in a cell: a syntax error (compile) or a run-time error.
public struct CellError: Equatable, Sendable {
    public enum Phase: String, Sendable { case compile, run, display }
    public var phase: Phase
    /// The error message, e.g. "tour.lua:12: attempt to call a nil value (global 'f')".
    public var message: String
    /// "stack traceback:" and its frames, when there is one.
    public var traceback: String
    /// File line the message points at, when it names a line of the notebook.
    public var line: Int?
    /// The cell holding `line` (it may be an earlier cell that defined a function).
    public var lineCell: Int?

    public init(phase: Phase, message: String, traceback: String = "", line: Int? = nil, lineCell: Int? = nil) {
        self.phase = phase
        self.message = message
        self.traceback = traceback
        self.line = line
        self.lineCell = lineCell
    }

    /// "syntax error", "error", "display error".
    public var kindName: String {
        switch phase {
        case .compile: return "syntax error"
        case .run: return "error"
        case .display: return "display error"
        }
    }
}

/// One output of a cell, in the order the cell produced it.
public enum CellOutput: Equatable, Sendable {
    public enum Stream: String, Sendable { case stdout, stderr }
    /// Text from `print`, `io.write` (stdout) or `io.stderr:write`, `warn` (stderr).
    case stream(Stream, String)
    /// A value shown with `display(v)` during the cell.
    case display(DisplayData)
    /// The value of the cell's last expression.
    case result(DisplayData)
    case error(CellError)
    /// A note from the runner, e.g. that output was truncated.
    case note(String)
}

/// The outcome of running one code cell.
public struct CellResult: Equatable, Sendable {
    /// Counts the code cells run, from 1 (Jupyter's execution count).
    public var executionCount: Int
    public var outputs: [CellOutput]
    /// Wall-clock time of the cell's code (not of writing its outputs).
    public var seconds: Double

    public init(executionCount: Int, outputs: [CellOutput], seconds: Double) {
        self.executionCount = executionCount
        self.outputs = outputs
        self.seconds = seconds
    }

    public var error: CellError? {
        for case .error(let e) in outputs { return e }
        return nil
    }

    /// The SVG images among the outputs, in order (numbered from 1 in file names).
    public var svgImages: [String] {
        outputs.compactMap { output -> String? in
            switch output {
            case .display(let d), .result(let d): return d.svg
            default: return nil
            }
        }
    }
}

/// A notebook and what running it produced.
public struct NotebookReport: Sendable {
    public var document: NotebookDocument
    /// One entry per cell of `document.cells`; nil for markdown cells and cells not run.
    public var results: [CellResult?]
    /// Why cells were left out or not run, e.g. "stopped at the first error (--stop)".
    public var notes: [String]
    public var generated: Date
    /// "lwscript 0.1.0 (Lua 5.4.6)".
    public var generator: String

    public init(document: NotebookDocument, results: [CellResult?], notes: [String] = [],
                generated: Date = Date(), generator: String = "lwscript") {
        self.document = document
        self.results = results
        self.notes = notes
        self.generated = generated
        self.generator = generator
    }

    public var cellsRun: Int { results.compactMap { $0 }.count }
    public var errorCount: Int { results.compactMap { $0?.error }.count }
    public var totalSeconds: Double { results.compactMap { $0?.seconds }.reduce(0, +) }

    /// The title: the first markdown heading, else the file name.
    public var title: String {
        for cell in document.cells where cell.kind == .markdown {
            for line in cell.source.split(separator: "\n") where line.hasPrefix("# ") {
                return line.dropFirst(2).trimmingWhitespace()
            }
        }
        return document.fileName
    }

    /// "3 of 4 code cells run, 1 error, 0.42 s".
    public var summary: String {
        let code = document.cells.filter { $0.kind == .code }.count
        var parts = ["\(cellsRun) of \(code) code cell\(code == 1 ? "" : "s") run"]
        parts.append(errorCount == 0 ? "no errors" : "\(errorCount) error\(errorCount == 1 ? "" : "s")")
        parts.append(formatSeconds(totalSeconds))
        return parts.joined(separator: ", ")
    }
}

/// "0.8 ms", "12.3 ms", "1.24 s", "2 min 5 s".
public func formatSeconds(_ s: Double) -> String {
    if s < 1e-5 { return "<0.01 ms" }
    if s < 1e-3 { return String(format: "%.2f ms", s * 1e3) }
    if s < 1 { return String(format: "%.1f ms", s * 1e3) }
    if s < 60 { return String(format: "%.2f s", s) }
    let m = Int(s / 60)
    return "\(m) min \(Int(s) - 60 * m) s"
}
