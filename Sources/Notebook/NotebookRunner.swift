import Bridge
import Foundation

/// How to run a notebook.
public struct RunOptions: Sendable {
    /// Stop at the first cell with an error (the rest are listed as not run).
    public var stopAtFirstError = false
    /// Run cells 1...lastCell only (counting code and markdown cells); nil runs all.
    public var lastCell: Int? = nil
    /// Bytes of printed text kept per cell; the rest is dropped with a note.
    public var outputLimit = 100_000

    public init(stopAtFirstError: Bool = false, lastCell: Int? = nil, outputLimit: Int = 100_000) {
        self.stopAtFirstError = stopAtFirstError
        self.lastCell = lastCell
        self.outputLimit = outputLimit
    }
}

/// Runs the code cells of a notebook in order, in one Lua state, and records each cell's
/// printed output, values, errors and time.
///
/// Each cell is one Lua chunk, compiled with the notebook's file name and padded with blank
/// lines so that Lua's own line numbers (in error messages and tracebacks) are the file's.
/// The cell's value is its last expression's, as at the REPL: the runner tries the whole cell
/// as `return <cell>`, then statements followed by `return <last lines>`, then plain statements.
/// A trailing `;` on the last line hides the value. As with any chunk, `local` variables stay in
/// their cell; globals are shared by all cells.
public final class NotebookRunner {
    public let lua: LuaState
    public let document: NotebookDocument
    public let options: RunOptions
    /// The chunk name cells compile with ("@notebook.lua"; the Jupyter kernel names each cell).
    public var chunkName: String
    /// When set, cells run in this session: their top-level locals stay for the next cells
    /// (the Jupyter kernel). A report's cells keep their locals to themselves, as chunks do.
    public var session: LuaSession? = nil
    /// The notebook's Lua side (lwscript/notebook/init.lua): output capture and display.
    private let helpers: LuaReference

    /// The Lua library of a notebook state: the Bridge's and the notebook's own files
    /// (Sources/Notebook/lua).
    public static let library = LuaLibrary.builtin.adding(EmbeddedLua.files)

    /// Creates the Lua state: lwscript's modules, `require` looking next to the notebook, the
    /// output capture and the display protocol.
    public init(document: NotebookDocument, options: RunOptions = RunOptions(), library: LuaLibrary = NotebookRunner.library) throws {
        self.document = document
        self.options = options
        chunkName = "@" + document.fileName
        let dir = (document.path as NSString).deletingLastPathComponent
        lua = LuaState(library: library, modulePaths: [dir.isEmpty ? "." : dir])
        lua.setArgTable(interpreter: ["lwscript", "notebook"], script: document.path, scriptArgs: [])
        helpers = try lua.module("lwscript.notebook")
        _ = try lua.call(helpers, "install", [.integer(max(1, options.outputLimit)), .string(document.path)])
    }

    /// Runs the cells and returns the report. Never throws: errors are part of the report.
    public func run(generator: String = "lwscript") -> NotebookReport {
        var cells = document.cells
        var notes: [String] = []
        if let last = options.lastCell, last < cells.count {
            cells = Array(cells.prefix(max(0, last)))
            notes.append("ran cells 1-\(last) of \(document.cells.count) (--cell \(last))")
        }
        var results: [CellResult?] = []
        var count = 0
        var stopped = false
        for cell in cells {
            guard cell.kind == .code, !stopped else { results.append(nil); continue }
            count += 1
            let result = runCell(cell, executionCount: count)
            results.append(result)
            if let error = result.error {
                if error.message.contains("interrupted!") {
                    stopped = true
                    notes.append("interrupted in cell \(cell.number); later cells were not run")
                } else if options.stopAtFirstError {
                    stopped = true
                    notes.append("stopped at the error in cell \(cell.number) (--stop); later cells were not run")
                }
            }
        }
        var doc = document
        doc.cells = cells
        return NotebookReport(document: doc, results: results, notes: notes, generator: generator)
    }

    /// Runs one code cell.
    public func runCell(_ cell: Cell, executionCount: Int) -> CellResult {
        var outputs: [CellOutput] = []
        var failure: CellError? = nil
        var seconds = 0.0
        var results: LuaReference? = nil

        _ = try? lua.call(helpers, "begin", [.integer(cell.number)])
        var show = true
        do {
            let (code, shows) = chunk(for: cell)
            show = shows
            let clock = ContinuousClock()
            let start = clock.now
            do {
                results = try lua.withInterrupts {
                    if let session { return try session.run(code, chunkname: chunkName) }
                    return try lua.run(code, chunkname: chunkName)
                }
            } catch let error as ScriptError where error.phase == .run {
                failure = cellError(error.message, phase: .run)
            }
            let elapsed = clock.now - start
            seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        } catch let error as ScriptError {
            failure = cellError(error.message, phase: .compile)
        } catch {
            failure = CellError(phase: .compile, message: "\(error)")
        }

        // `finish` describes the results (none after an error, or with a trailing `;`) and
        // returns the cell's events and the number of bytes of output dropped.
        do {
            let shown: LuaValue = failure == nil && show ? results.map { .reference($0) } ?? .nil : .nil
            let out = try lua.call(helpers, "finish", [shown])
            outputs = events(out.first ?? .nil)
            let dropped = out.count > 1 ? out[1].integer ?? 0 : 0
            if dropped > 0 {
                outputs.append(.note("output truncated: \(dropped) more bytes not shown (the limit is \(options.outputLimit) bytes of printed text per cell)"))
            }
        } catch let error as ScriptError {
            outputs.append(.error(cellError(error.message, phase: .display)))
        } catch {
            outputs.append(.error(CellError(phase: .display, message: "\(error)")))
        }
        if let failure { outputs.append(.error(failure)) }
        return CellResult(executionCount: executionCount, outputs: outputs, seconds: seconds)
    }

    // MARK: compiling a cell

    /// The code to run for the cell, choosing how its value is returned, and whether the
    /// value is shown (not after a trailing `;`). A cell that does not compile at all is
    /// returned as written, so that running it reports the compile error at its line.
    func chunk(for cell: Cell) -> (code: String, show: Bool) {
        let lines = cell.source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pad = String(repeating: "\n", count: max(0, cell.firstLine - 1))
        func chunk(_ ls: [String]) -> String { pad + ls.joined(separator: "\n") }
        // The values go through a function call rather than `return f(x)`, which would be a
        // tail call and lose the cell's line from tracebacks and error positions.
        let open = "return (function(...) return ... end)(", close = "\n)"
        let codeLines = lines.indices.filter { i in
            let t = lines[i].trimmingWhitespace()
            return !t.isEmpty && !t.hasPrefix("--")
        }
        if let first = codeLines.first, let last = codeLines.last {
            var body = lines
            let show = !body[last].trimmingWhitespace().hasSuffix(";")
            if !show, let semicolon = body[last].lastIndex(of: ";") { body[last].remove(at: semicolon) }
            // The whole cell is an expression (list).
            var whole = body
            whole[first] = open + whole[first]
            whole[whole.count - 1] += close
            if lua.compiles(chunk(whole)) { return (chunk(whole), show) }
            // Statements, then an expression on the last lines (at most 100 of them).
            for start in codeLines.reversed().dropLast().prefix(100) {
                let suffix = [open + body[start]] + body[(start + 1)...]
                guard lua.compiles(suffix.joined(separator: "\n") + close),
                      lua.compiles(body[..<start].joined(separator: "\n")) else { continue }
                var split = Array(body[..<start]) + suffix
                split[split.count - 1] += close
                if lua.compiles(chunk(split)) { return (chunk(split), show) }
            }
        }
        return (chunk(lines), true)
    }

    // MARK: helpers

    /// The outputs of the events `finish` returned: printed text, displayed values, results.
    private func events(_ value: LuaValue) -> [CellOutput] {
        var outputs: [CellOutput] = []
        for e in value.table?.array ?? [] {
            switch e["kind"].string {
            case "stdout": outputs.append(.stream(.stdout, e["text"].string ?? ""))
            case "stderr": outputs.append(.stream(.stderr, e["text"].string ?? ""))
            case let kind where kind == "display" || kind == "result":
                let data = Self.displayData(e)
                outputs.append(kind == "display" ? .display(data) : .result(data))
                if let message = e["error"].string {
                    outputs.append(.error(cellError(message, phase: .display)))
                }
            default: break
            }
        }
        return outputs
    }

    /// A display description built by display.lua's `describe`.
    public static func displayData(_ e: LuaValue) -> DisplayData {
        let table = e["table"].table.map { t -> TableData in
            TableData(caption: t.fields["caption"]?.string ?? "",
                      header: t.strings("header") ?? [],
                      rowLabels: t.strings("row_labels") ?? [],
                      rows: (t.fields["rows"]?.table?.array ?? []).map { row in
                          (row.table?.array ?? []).map { $0.string ?? "" }
                      },
                      note: t.fields["note"]?.string)
        }
        return DisplayData(plain: e["plain"].string ?? "", svg: e["svg"].string, html: e["html"].string,
                           markdown: e["markdown"].string, table: table)
    }

    /// Splits "message\nstack traceback:..." and finds the notebook line it points at.
    func cellError(_ text: String, phase: CellError.Phase) -> CellError {
        var message = text
        var traceback = ""
        if let r = text.range(of: "\nstack traceback:") {
            message = String(text[..<r.lowerBound])
            traceback = String(text[text.index(after: r.lowerBound)...])
        }
        let name = document.fileName + ":"
        let line = firstLine(after: name, in: message) ?? firstLine(after: name, in: traceback)
        return CellError(phase: phase, message: message, traceback: traceback, line: line,
                         lineCell: line.flatMap { document.cell(containingLine: $0)?.number })
    }

    /// The number in the first "<prefix><digits>:" of `text` that starts a word (so "nb.lua:"
    /// does not match inside "other_nb.lua:").
    private func firstLine(after prefix: String, in text: String) -> Int? {
        var search = text[...]
        while let r = search.range(of: prefix) {
            let digits = search[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            if !digits.isEmpty, search[r.upperBound...].dropFirst(digits.count).first == ":",
               before == nil || before!.isWhitespace {
                return Int(digits)
            }
            search = search[r.upperBound...]
        }
        return nil
    }
}

