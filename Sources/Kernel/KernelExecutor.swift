import Bridge
import Foundation
import Notebook

/// The kernel's Lua side as Swift sees it: one Lua state for the whole session, cells run as
/// `lwscript notebook` runs them (a last expression is the cell's value; display(v); plots as
/// SVG) but in a LuaSession, so top-level locals stay for the next cells, and with output
/// handed to the server as it comes.
final class KernelExecutor {
    /// What a running cell produces, in order.
    enum Output {
        case stream(name: String, text: String)
        case display(DisplayData)
        case result(DisplayData)
        case clear(wait: Bool)
    }

    enum Outcome {
        case ok
        case error(ename: String, evalue: String, traceback: [String])
    }

    struct InputUnavailable: Error, CustomStringConvertible {
        let description: String
    }

    let runner: NotebookRunner
    let lua: LuaState
    let session: LuaSession
    private let glue: LuaReference
    private var functions: [LuaReference] = []
    private(set) var executionCount = 0
    /// (line, input, text/plain of the result) per stored execution; the session is 1.
    private(set) var history: [(line: Int, input: String, output: String?)] = []

    /// Where output goes while a cell runs (the server publishes it on iopub).
    var onOutput: ((Output) -> Void)?
    /// Asks the frontend for a line (input_request); throws when it does not allow input.
    var onInput: ((String, Bool) throws -> String)?

    /// The Lua library of the kernel: the notebook's, plus its own glue (lua/lwscript/kernel.lua).
    static let library = NotebookRunner.library.adding(EmbeddedLua.files)

    init(workingDirectory: String) throws {
        let document = NotebookDocument(path: (workingDirectory as NSString).appendingPathComponent("kernel"), cells: [])
        runner = try NotebookRunner(document: document, library: Self.library)
        lua = runner.lua
        session = try LuaSession(lua: lua)
        runner.session = session
        glue = try lua.module("lwscript.kernel")
        let send = lua.functionReference(name: "kernel.send") { [weak self] a in
            let kind = (try? a.string(1)) ?? ""
            switch kind {
            case "stdout", "stderr":
                self?.onOutput?(.stream(name: kind, text: try a.string(2)))
            case "display", "result":
                let event = a.value(2)
                let data = NotebookRunner.displayData(event)
                self?.onOutput?(kind == "display" ? .display(data) : .result(data))
                if let problem = event["error"].string {
                    self?.onOutput?(.stream(name: "stderr", text: "display error: " + problem + "\n"))
                }
            default: break
            }
            return 0
        }
        let input = lua.functionReference(name: "io.read") { [weak self] a in
            let prompt = (try? a.string(1)) ?? ""
            let password = (try? a.bool(2)) ?? false
            guard let ask = self?.onInput else {
                throw LuaError.message("input is not available: the frontend did not allow stdin for this cell (nbconvert and 'jupyter execute' never do)")
            }
            a.push(try ask(prompt, password))
            return 1
        }
        let clear = lua.functionReference(name: "jupyter.clear_output") { [weak self] a in
            self?.onOutput?(.clear(wait: (try? a.bool(1)) ?? false))
            return 0
        }
        functions = [send, input, clear]
        _ = try lua.call(glue, "install", functions.map { .reference($0) })
    }

    /// Runs one cell. `store` counts it (execution_count) and keeps it in the history.
    func execute(_ code: String, store: Bool) -> (count: Int, outcome: Outcome) {
        if store { executionCount += 1 }
        let n = max(executionCount, 1)
        runner.chunkName = "@In[\(n)]"
        var lastResult: String? = nil
        let forward = onOutput
        onOutput = { output in
            if case .result(let d) = output { lastResult = d.plain }
            forward?(output)
        }
        defer { onOutput = forward }
        _ = try? lua.call(glue, "begin")
        let result = runner.runCell(Cell(number: n, kind: .code, source: code, firstLine: 1), executionCount: n)
        var outcome = Outcome.ok
        for output in result.outputs {
            switch output {
            case .error(let e):
                if case .ok = outcome { outcome = Self.error(e) }
            case .note(let text):
                onOutput?(.stream(name: "stderr", text: "[lwscript] " + text + "\n"))
            case .stream(let s, let text):
                onOutput?(.stream(name: s.rawValue, text: text))
            case .display(let d):
                onOutput?(.display(d))
            case .result(let d):
                onOutput?(.result(d))
            }
        }
        if case .ok = outcome, (try? lua.call(glue, "interrupted"))?.first.map({ if case .boolean(true) = $0 { return true } else { return false } }) == true {
            let message = "interrupted: training stopped at a batch boundary and kept its history; the rest of the cell ran"
            outcome = .error(ename: "Interrupted", evalue: message, traceback: ["Interrupted: " + message])
        }
        if store { history.append((n, code, lastResult)) }
        return (executionCount, outcome)
    }

    /// An error reply's name, value and traceback lines.
    static func error(_ e: CellError) -> Outcome {
        let ename: String
        if e.message.contains("interrupted!") {
            ename = "Interrupted"
        } else {
            switch e.phase {
            case .compile: ename = "LuaSyntaxError"
            case .run: ename = "LuaError"
            case .display: ename = "DisplayError"
            }
        }
        var traceback = [ename + ": " + e.message]
        if !e.traceback.isEmpty {
            traceback += e.traceback.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        return .error(ename: ename, evalue: e.message, traceback: traceback)
    }

    // MARK: completion and inspection

    /// The name being typed that ends at `cursor` (Unicode scalars): "tensor.ze", "x:resh".
    static func word(in code: String, endingAt cursor: Int) -> (text: String, start: Int) {
        let scalars = Array(code.unicodeScalars)
        let end = min(max(cursor, 0), scalars.count)
        var start = end
        func part(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c == "." || c == ":" || (c.isASCII && (CharacterSet.alphanumerics.contains(c)))
        }
        while start > 0 && part(scalars[start - 1]) { start -= 1 }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[start..<end])
        return (String(s), start)
    }

    /// The whole name around `cursor` ("tensor.zeros" with the cursor anywhere in it).
    static func name(in code: String, around cursor: Int) -> String {
        let scalars = Array(code.unicodeScalars)
        var end = min(max(cursor, 0), scalars.count)
        while end < scalars.count && (scalars[end] == "_" || (scalars[end].isASCII && CharacterSet.alphanumerics.contains(scalars[end]))) {
            end += 1
        }
        return word(in: code, endingAt: end).text
    }

    /// complete_request: the REPL's completions of the word before the cursor.
    func complete(_ code: String, cursor: Int) -> (matches: [String], start: Int, end: Int) {
        let w = Self.word(in: code, endingAt: cursor)
        let matches = w.text.isEmpty ? [] : session.completions(for: w.text)
        return (matches, w.start, w.start + w.text.unicodeScalars.count)
    }

    /// inspect_request: the help text of the name at the cursor (from the docs), else what it
    /// is (its type and value as the REPL shows it), or nil when there is no such name.
    func inspect(_ code: String, cursor: Int) -> String? {
        let name = Self.name(in: code, around: cursor)
        let path = name.replacingOccurrences(of: ":", with: ".")
        guard !path.isEmpty, path.range(of: #"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"#, options: .regularExpression) != nil,
              let r = try? session.run("return require('lwscript.kernel').describe(" + path + ", \"" + name + "\")", chunkname: "=inspect"),
              let text = lua.value(of: r).table?.array.first?.string else { return nil }
        return text
    }

    /// The help text `?name` asks for (LuaSession.helpArguments), or nil when `code` is not
    /// such a request. An unknown name gives the reason as text.
    func helpPage(_ code: String) -> String? {
        guard let args = LuaSession.helpArguments(code) else { return nil }
        do {
            let r = try session.run("local t, why = require('lwscript.help').text(\(args))\nreturn t or why", chunkname: "=help")
            return lua.value(of: r).table?.array.first?.string
        } catch {
            return "\(error)"
        }
    }

    /// A user expression of an execute_request, shown as the REPL shows values.
    func evaluate(_ expression: String) -> [String: Any] {
        do {
            let r = try session.run("return require('lwscript.show')((" + expression + "\n))", chunkname: "=user_expression")
            let text = lua.value(of: r).table?.array.first?.string ?? ""
            return ["status": "ok", "data": ["text/plain": text], "metadata": [String: Any]()]
        } catch {
            return ["status": "error", "ename": "LuaError", "evalue": "\(error)", "traceback": ["\(error)"]]
        }
    }

    // MARK: is_complete

    func status(of code: String) -> LuaSession.ChunkStatus { session.status(of: code) }
}
