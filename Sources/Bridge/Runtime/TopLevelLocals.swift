/// Top-level `local` declarations of an interactive chunk (a REPL line, a kernel cell), turned
/// into assignments so that the names outlive the chunk, as users of trepl and ILua expect.
///
/// `local x, y <const> = 1, 2` becomes `x, y = 1, 2`, `local z` becomes `z = nil` and
/// `local function f` becomes `function f`; the names are returned so that the session can
/// declare them first (LuaSession keeps them in a table of its own that shadows the globals
/// without replacing them: `local data = ...` in a cell does not overwrite the `data` module
/// for library code). Only declarations at the chunk's top level change: those inside
/// functions and blocks (`do`, `if`, loops) stay local. Declarations with the `<close>`
/// attribute stay local too (closing needs a real local). No newline is added or removed, so
/// error messages keep the chunk's line numbers.
public enum TopLevelLocals {
    public struct Rewrite: Equatable {
        public let code: String
        public let names: [String]
    }

    public static func rewrite(_ code: String) -> Rewrite {
        let tokens = LuaTokens(code).all()
        var edits: [(range: Range<Int>, text: String)] = []
        var names: [String] = []
        var depth = 0
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            guard t.kind == .name else { i += 1; continue }
            switch t.text {
            case "function", "do", "if", "repeat": depth += 1
            case "end", "until": depth = max(0, depth - 1)
            case "local" where depth == 0:
                if let d = declaration(tokens, at: i) {
                    // the keyword and the blanks after it on its line
                    edits.append((t.range.lowerBound ..< blanksEnd(code, from: t.range.upperBound), ""))
                    edits += d.removals.map { ($0, "") }
                    if let end = d.appendNilAt { edits.append((end ..< end, " = nil")) }
                    names += d.names
                    i = d.next
                    continue
                }
            default: break
            }
            i += 1
        }
        guard !edits.isEmpty else { return Rewrite(code: code, names: []) }
        var bytes = Array(code.utf8)
        for e in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(e.range, with: Array(e.text.utf8))
        }
        var seen = Set<String>()
        return Rewrite(code: String(decoding: bytes, as: UTF8.self), names: names.filter { seen.insert($0).inserted })
    }

    /// The offset after the spaces and tabs that start at `offset`.
    static func blanksEnd(_ code: String, from offset: Int) -> Int {
        let bytes = Array(code.utf8)
        var i = offset
        while i < bytes.count && (bytes[i] == 32 || bytes[i] == 9) { i += 1 }
        return i
    }

    struct Declaration {
        var names: [String] = []
        var removals: [Range<Int>] = []
        var appendNilAt: Int? = nil
        var next: Int
    }

    /// The declaration starting at `tokens[i]` (`local`), or nil to leave it as it is (a
    /// `<close>` variable, or text that is not a declaration: the compiler will say why).
    static func declaration(_ tokens: [LuaTokens.Token], at i: Int) -> Declaration? {
        var d = Declaration(next: i + 1)
        var j = i + 1
        guard j < tokens.count else { return nil }
        if tokens[j].kind == .name && tokens[j].text == "function" {
            // `local function f`: the name follows; the body raises the depth as usual.
            guard j + 1 < tokens.count, tokens[j + 1].kind == .name else { return nil }
            d.names = [tokens[j + 1].text]
            d.next = j
            return d
        }
        while true {
            guard j < tokens.count, tokens[j].kind == .name, !LuaTokens.keywords.contains(tokens[j].text) else { return nil }
            d.names.append(tokens[j].text)
            var end = tokens[j].range.upperBound
            j += 1
            // an attribute: <const> is dropped, <close> keeps the whole declaration local
            if j + 2 < tokens.count, tokens[j].text == "<", tokens[j + 1].kind == .name, tokens[j + 2].text == ">" {
                if tokens[j + 1].text == "close" { return nil }
                d.removals.append(tokens[j - 1].range.upperBound ..< tokens[j + 2].range.upperBound)
                end = tokens[j + 2].range.upperBound
                j += 3
            }
            if j < tokens.count, tokens[j].text == "," { j += 1; continue }
            if !(j < tokens.count && tokens[j].text == "=") { d.appendNilAt = end }
            d.next = j
            return d
        }
    }
}

/// A small Lua 5.4 lexer: enough to tell names and keywords from strings, comments and
/// numbers (byte offsets into the UTF-8 text).
struct LuaTokens {
    enum Kind { case name, symbol, literal }
    struct Token {
        let kind: Kind
        let range: Range<Int>
        let text: String
    }

    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
        "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    let s: [UInt8]
    init(_ code: String) { s = Array(code.utf8) }

    func all() -> [Token] {
        var out: [Token] = []
        var i = 0
        func at(_ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func isNameStart(_ c: UInt8) -> Bool { c == 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128 }
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        /// The end of a long bracket starting at `k` ("[", "=" * n, "["), or nil.
        func longBracket(_ k: Int) -> Int? {
            guard at(k) == 91 else { return nil }
            var level = 0, p = k + 1
            while at(p) == 61 { level += 1; p += 1 }
            guard at(p) == 91 else { return nil }
            p += 1
            while p < s.count {
                if s[p] == 93 {
                    var q = p + 1, n = 0
                    while at(q) == 61 { n += 1; q += 1 }
                    if n == level && at(q) == 93 { return q + 1 }
                }
                p += 1
            }
            return s.count
        }
        while i < s.count {
            let c = s[i]
            if c == 32 || c == 9 || c == 10 || c == 13 || c == 11 || c == 12 { i += 1; continue }
            let start = i
            if c == 45 && at(i + 1) == 45 {           // comment
                if let end = longBracket(i + 2) { i = end; continue }
                while i < s.count && s[i] != 10 { i += 1 }
                continue
            }
            if isNameStart(c) {
                while i < s.count && (isNameStart(s[i]) || isDigit(s[i])) { i += 1 }
                out.append(Token(kind: .name, range: start ..< i, text: String(decoding: s[start ..< i], as: UTF8.self)))
                continue
            }
            if isDigit(c) || (c == 46 && isDigit(at(i + 1))) {
                i += 1
                while i < s.count {
                    let d = s[i]
                    if (d == 43 || d == 45) && (s[i - 1] | 32 == 101 || s[i - 1] | 32 == 112) { i += 1; continue }
                    guard isDigit(d) || isNameStart(d) || d == 46 else { break }
                    i += 1
                }
                out.append(Token(kind: .literal, range: start ..< i, text: ""))
                continue
            }
            if c == 34 || c == 39 {                   // quoted string
                i += 1
                while i < s.count && s[i] != c && s[i] != 10 {
                    if s[i] == 92 { i += 1 }
                    i += 1
                }
                i = min(i + 1, s.count)
                out.append(Token(kind: .literal, range: start ..< i, text: ""))
                continue
            }
            if let end = longBracket(i) {
                i = end
                out.append(Token(kind: .literal, range: start ..< i, text: ""))
                continue
            }
            i += 1
            out.append(Token(kind: .symbol, range: start ..< i, text: String(UnicodeScalar(c))))
        }
        return out
    }
}
