/// An error caused by bad input to a tensor operation: wrong shape, index, size or value.
///
/// Numerics never traps on input a user can reach; it throws this, and the Lua bridge turns
/// it into a Lua error that names the function that was called. The message itself names no
/// Lua function and holds no Lua syntax (the bridge adds the name, once).
public struct TensorError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How numbers appear in messages: 3 rather than 3.0, NaN, and full precision otherwise.
public func describeNumber(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isFinite && d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
    return "\(d)"
}

/// "2x3" for [2, 3], "()" for a scalar: how shapes appear in messages and in `tostring`.
public func describeShape(_ shape: [Int]) -> String {
    shape.isEmpty ? "()" : shape.map(String.init).joined(separator: "x")
}
