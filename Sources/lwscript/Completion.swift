import Bridge
import CEdit
import CLua
import Foundation

/// Tab completion at the REPL through libedit; the candidates come from
/// `LuaSession.completions(for:)` (the session's locals
/// included).
enum Completion {
    nonisolated(unsafe) static var session: LuaSession?
    nonisolated(unsafe) static var matches: [String] = []

    static func install(_ state: LuaSession) {
        session = state
        rl_completion_append_character = 0   // no space after "tensor.zeros": a "(" usually follows
        rl_completion_entry_function = { text, state in
            guard let text else { return nil }
            if state == 0 { Completion.matches = Completion.session?.completions(for: String(cString: text)) ?? [] }
            let i = Int(state)
            guard i < Completion.matches.count else { return nil }
            return strdup(Completion.matches[i])
        }
    }
}
