/// An error caused by bad data or bad arguments to a data operation: a missing or malformed
/// file, a label out of range, an empty dataset. The Lua bridge reports it as
/// "function: message"; nothing in Numerics/Data traps on input a user can reach.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
