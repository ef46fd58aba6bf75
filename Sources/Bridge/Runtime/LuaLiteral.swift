/// A Lua string literal for `s`: quotes and backslashes escaped, every byte outside
/// printable ASCII written as a decimal escape, so any string round-trips through `load`.
public func luaStringLiteral(_ s: String) -> String {
    var out = "\""
    for u in s.utf8 {
        switch u {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += "\\" + String(UnicodeScalar(u))
        case 32..<127: out += String(UnicodeScalar(u))
        default: out += "\\\(u)"
        }
    }
    return out + "\""
}
