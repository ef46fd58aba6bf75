import Bridge
import CEdit
import CLua
import Foundation

/// Tab completion at the REPL through libedit; the candidates come from
/// `LuaState.completions(for:)`.
enum Completion {
    nonisolated(unsafe) static var lua: LuaState?
    nonisolated(unsafe) static var matches: [String] = []

    static func install(_ state: LuaState) {
        lua = state
        rl_completion_append_character = 0   // no space after "tensor.zeros": a "(" usually follows
        rl_completion_entry_function = { text, state in
            guard let text else { return nil }
            if state == 0 { Completion.matches = Completion.lua?.completions(for: String(cString: text)) ?? [] }
            let i = Int(state)
            guard i < Completion.matches.count else { return nil }
            return strdup(Completion.matches[i])
        }
    }
}
