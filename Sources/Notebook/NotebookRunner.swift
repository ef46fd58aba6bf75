import Bridge
import CLua
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
    let chunkName: String
    private var L: OpaquePointer { lua.L }

    /// Creates the Lua state: lwscript's modules, `require` looking next to the notebook, the
    /// output capture and the display protocol.
    public init(document: NotebookDocument, options: RunOptions = RunOptions()) throws {
        self.document = document
        self.options = options
        chunkName = "@" + document.fileName
        lua = LuaState()
        lua.setArgTable(interpreter: ["lwscript", "notebook"], script: document.path, scriptArgs: [])
        let dir = (document.path as NSString).deletingLastPathComponent
        try lua.addModuleDirectory(dir.isEmpty ? "." : dir)
        try lua.load(OutputCapture.source, chunkname: "=[notebook capture]")
        lua_pushinteger(L, lua_Integer(max(1, options.outputLimit)))
        try lua.protectedCall(nargs: 1, nresults: 0)
        try lua.execute(DisplayProtocol.source, chunkname: "=[notebook display]")
        try lua.execute("notebook.path = ...".replacingOccurrences(of: "...", with: luaStringLiteral(document.path)),
                        chunkname: "=[notebook display]")
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
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        var outputs: [CellOutput] = []
        var failure: CellError? = nil
        var seconds = 0.0

        _ = try? callHelper("begin") { lua_pushinteger(L, lua_Integer(cell.number)) }
        var show = true
        do {
            show = try compile(cell)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                try lua.withInterrupts { try lua.protectedCall(nargs: 0, nresults: LUA_MULTRET) }
            } catch let error as ScriptError {
                failure = cellError(error.message, phase: .run)
            }
            let elapsed = clock.now - start
            seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        } catch let error as ScriptError {
            failure = cellError(error.message, phase: .compile)
        } catch {
            failure = CellError(phase: .compile, message: "\(error)")
        }

        // Hand the results (none after an error) to `finish`, which describes them and returns
        // the cell's events and the number of bytes of output dropped.
        let nresults = failure == nil && show ? lua_gettop(L) - base : 0
        lua_settop(L, base + nresults)
        do {
            try callHelper("finish", nargs: nresults, nresults: 2)
            outputs = readEvents(events: -2)
            let dropped = Int(lua_tointegerx(L, -1, nil))
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

    /// Compiles the cell, choosing how its value is returned; leaves the function on the stack.
    /// Returns false when the value is to be hidden (a trailing `;`).
    @discardableResult
    func compile(_ cell: Cell) throws -> Bool {
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
            if compiles(chunk(whole)) { try lua.load(chunk(whole), chunkname: chunkName); return show }
            // Statements, then an expression on the last lines (at most 100 of them).
            for start in codeLines.reversed().dropLast().prefix(100) {
                let suffix = [open + body[start]] + body[(start + 1)...]
                guard compiles(suffix.joined(separator: "\n") + close),
                      compiles(body[..<start].joined(separator: "\n")) else { continue }
                var split = Array(body[..<start]) + suffix
                split[split.count - 1] += close
                if compiles(chunk(split)) { try lua.load(chunk(split), chunkname: chunkName); return show }
            }
        }
        try lua.load(chunk(lines), chunkname: chunkName)
        return true
    }

    private func compiles(_ code: String) -> Bool {
        guard (try? lua.load(code, chunkname: "=check")) != nil else { return false }
        lws_pop(L, 1)
        return true
    }

    // MARK: helpers

    /// Calls nb[name] (the notebook helpers in the registry) with the `nargs` values on top of
    /// the stack plus whatever `push` pushes, under a protected call.
    private func callHelper(_ name: String, nargs: Int32 = 0, nresults: Int32 = 0, push: () -> Void = {}) throws {
        // Raw access needs a table: a cell could have replaced the registry entry.
        guard lws_rawgetfield(L, lws_registryindex(), "lwscript.notebook") == LUA_TTABLE else {
            lws_pop(L, 1 + nargs)
            throw ReportError("the notebook's helpers are gone from the registry (a cell replaced them)")
        }
        lws_rawgetfield(L, -1, name)
        lws_remove(L, -2)
        lws_insert(L, -(nargs + 1))
        let before = lua_gettop(L)
        push()
        try lua.protectedCall(nargs: nargs + (lua_gettop(L) - before), nresults: nresults)
    }

    private func readEvents(events index: Int32) -> [CellOutput] {
        let reader = LuaTableReader(L: L)
        let events = lua_absindex(L, index)
        guard lua_type(L, events) == LUA_TTABLE else { return [] }
        var outputs: [CellOutput] = []
        reader.forEach(events) { e in
            guard lua_type(L, e) == LUA_TTABLE else { return }
            switch reader.string(e, "kind") {
            case "stdout": outputs.append(.stream(.stdout, reader.string(e, "text") ?? ""))
            case "stderr": outputs.append(.stream(.stderr, reader.string(e, "text") ?? ""))
            case let kind where kind == "display" || kind == "result":
                let data = reader.displayData(e)
                outputs.append(kind == "display" ? .display(data) : .result(data))
                if let message = reader.string(e, "error") {
                    outputs.append(.error(cellError(message, phase: .display)))
                }
            default: break
            }
        }
        return outputs
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

