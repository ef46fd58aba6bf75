import Bridge
import CEdit
import CLua
import Foundation

/// The interactive session: line editing and history (libedit), multi-line chunks,
/// expression values printed, errors printed without ending the session.
final class Repl {
    let lua: LuaState
    /// Top-level locals kept across lines; complete and unfinished chunks told apart.
    let session: LuaSession
    let interactiveTerminal = isatty(0) != 0
    let historyPath: String
    let historyLimit: Int32 = 1000

    init(session: LuaSession) {
        self.session = session
        lua = session.lua
        let env = ProcessInfo.processInfo.environment
        historyPath = env["LWSCRIPT_HISTORY"]
            ?? (env["HOME"].map { $0 + "/.lwscript_history" } ?? ".lwscript_history")
    }

    func run() {
        if interactiveTerminal {
            print(Version.banner)
            print("Type Lua; expressions print their value. Ctrl-D exits, Ctrl-C interrupts.")
            rl_readline_name = UnsafePointer(strdup("lwscript"))
            using_history()
            stifle_history(historyLimit)
            _ = read_history(historyPath)
            Completion.install(session)
        }
        session: while true {
            var chunk: String
            switch readLine(prompt: "> ") {
            case .end: break session
            case .interrupted: continue session
            case .line(let first):
                if first.trimmingCharacters(in: .whitespaces).isEmpty { continue session }
                chunk = first
            }
            while evaluate(chunk) == .incomplete {
                switch readLine(prompt: ">> ") {
                case .end: return finish()
                // Ctrl-C at a continuation prompt discards the whole unfinished chunk.
                case .interrupted: continue session
                case .line(let more): chunk += "\n" + more
                }
            }
            remember(chunk)
        }
        finish()
    }

    private func finish() {
        if interactiveTerminal {
            print()
            _ = write_history(historyPath)
            _ = history_truncate_file(historyPath, historyLimit)
        }
    }

    enum Outcome { case done, incomplete }

    /// Compiles `chunk` as an expression (so `1 + 1` prints 2) or else as statements, runs it
    /// and prints its values or its error. Top-level locals stay for the next lines.
    func evaluate(_ chunk: String) -> Outcome {
        // `?tensor.zeros` prints help (LuaSession.helpRequest)
        if let help = LuaSession.helpRequest(chunk) { return evaluate(help) }
        let L = lua.L
        let base = lua_gettop(L)
        switch session.status(of: chunk) {
        // An unfinished chunk ("... near <eof>") waits for more lines, as in lua.
        case .incomplete: return .incomplete
        case .invalid(let message):
            fputs(message + "\n", stderr)
            return .done
        case .complete: break
        }
        do {
            do {
                try session.load("return " + chunk, chunkname: "=stdin")
            } catch {
                try session.load(chunk, chunkname: "=stdin")
            }
        } catch {
            fputs("\(error)\n", stderr)
            lua_settop(L, base)
            return .done
        }
        do {
            try lua.withInterrupts { try lua.protectedCall(nargs: 0, nresults: LUA_MULTRET) }
            let n = lua_gettop(L) - base
            if n > 0 { print(try lua.showValues(count: n)) }
        } catch {
            fputs("\(error)\n", stderr)
        }
        lua_settop(L, base)
        fflush(stdout)
        return .done
    }

    /// What one prompt gave: a line, Ctrl-C (the line being typed is discarded), or the end
    /// of input (Ctrl-D).
    enum Input { case line(String), interrupted, end }

    private func readLine(prompt: String) -> Input {
        guard interactiveTerminal else { return Swift.readLine(strippingNewline: true).map(Input.line) ?? .end }
        var interrupted: Int32 = 0
        let p = lws_readline(prompt, &interrupted)
        if interrupted != 0 {
            free(p)
            print("^C")
            return .interrupted
        }
        guard let p else { return .end }
        defer { free(p) }
        return .line(String(cString: p))
    }

    private func remember(_ chunk: String) {
        guard interactiveTerminal else { return }
        _ = add_history(chunk)
    }
}
