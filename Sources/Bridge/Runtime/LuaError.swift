import Numerics

/// How a Swift function called from Lua reports failure. It is thrown, caught by the Swift
/// entry, and raised by the C trampoline once the Swift frames are gone.
public enum LuaError: Error, CustomStringConvertible {
    /// "bad argument #n to 'name' (message)"; `index` counts from 1 as the user wrote it.
    case argument(Int32, String)
    /// "calling 'name' on bad self (message)".
    case badSelf(String)
    /// "name: message".
    case message(String)
    /// The message as is, when it already names its source (e.g. a layer's own summary).
    case plain(String)
    /// An error value from a nested protected call is on top of the stack: raise it unchanged.
    case propagate

    public var description: String {
        switch self {
        case .argument(let i, let m): return "bad argument #\(i) (\(m))"
        case .badSelf(let m): return "bad self (\(m))"
        case .message(let m), .plain(let m): return m
        case .propagate: return "(error value on the Lua stack)"
        }
    }

    /// The text shown to the user for an error raised inside the function called `name`.
    func text(function name: String) -> String {
        switch self {
        case .argument(let i, let m): return "bad argument #\(i) to '\(name)' (\(m))"
        case .badSelf(let m): return "calling '\(name)' on bad self (\(m))"
        case .message(let m): return "\(name): \(m)"
        case .plain(let m): return m
        case .propagate: return ""
        }
    }
}

/// An error from running Lua code (compile or run time), with the traceback when there is one.
public struct ScriptError: Error, CustomStringConvertible {
    public enum Phase: String, Sendable { case compile, run }
    public let phase: Phase
    public let message: String
    public var description: String { message }
}
