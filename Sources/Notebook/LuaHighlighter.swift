/// Syntax colouring of Lua code for HTML reports: comments, strings, numbers, keywords and
/// lwscript's globals. Returns one HTML line per source line (spans never cross lines), so the
/// report can number lines and mark the one an error points at.
public enum LuaHighlighter {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
        "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]
    static let builtins: Set<String> = [
        "print", "require", "display", "tensor", "sys", "notebook", "ipairs", "pairs", "string",
        "table", "math", "io", "os", "type", "tostring", "tonumber", "error", "pcall", "select",
        "setmetatable", "getmetatable", "assert",
    ]

    enum Kind: String { case plain, comment, string, number, keyword, builtin }

    /// Lines of HTML with `<span class="tok-…">` around coloured tokens.
    public static func htmlLines(_ source: String) -> [String] {
        var lines: [String] = [""]
        for (kind, text) in tokens(source) {
            let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i > 0 { lines.append("") }
                guard !part.isEmpty else { continue }
                let escaped = Escaping.html(String(part))
                lines[lines.count - 1] += kind == .plain ? escaped : "<span class=\"tok-\(kind.rawValue)\">\(escaped)</span>"
            }
        }
        return lines
    }

    static func tokens(_ source: String) -> [(Kind, String)] {
        let s = Array(source.unicodeScalars)
        var out: [(Kind, String)] = []
        var plain = ""
        var i = 0
        func text(_ a: Int, _ b: Int) -> String {
            var r = ""
            r.unicodeScalars.append(contentsOf: s[a..<min(b, s.count)])
            return r
        }
        func emit(_ kind: Kind, _ a: Int, _ b: Int) {
            if !plain.isEmpty { out.append((.plain, plain)); plain = "" }
            out.append((kind, text(a, b)))
        }
        /// If a long bracket `[==[` starts at j, its level (number of `=`).
        func longBracket(_ j: Int) -> Int? {
            guard j < s.count, s[j] == "[" else { return nil }
            var k = j + 1, level = 0
            while k < s.count, s[k] == "=" { level += 1; k += 1 }
            return k < s.count && s[k] == "[" ? level : nil
        }
        /// End (exclusive) of a long bracket of `level` opened at j.
        func longEnd(_ j: Int, _ level: Int) -> Int {
            let close = Array("]" + String(repeating: "=", count: level) + "]").map { Unicode.Scalar(String($0))! }
            var k = j + level + 2
            while k + close.count <= s.count {
                if Array(s[k..<(k + close.count)]) == close { return k + close.count }
                k += 1
            }
            return s.count
        }
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
        func isIdent(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) }

        while i < s.count {
            let c = s[i]
            if c == "-", i + 1 < s.count, s[i + 1] == "-" {
                var end: Int
                if let level = longBracket(i + 2) {
                    end = longEnd(i + 2, level)
                } else {
                    end = i
                    while end < s.count, s[end] != "\n" { end += 1 }
                }
                emit(.comment, i, end)
                i = end
            } else if c == "\"" || c == "'" {
                var end = i + 1
                while end < s.count, s[end] != c, s[end] != "\n" {
                    end += s[end] == "\\" ? 2 : 1
                }
                end = min(end + 1, s.count)
                emit(.string, i, end)
                i = end
            } else if let level = longBracket(i) {
                let end = longEnd(i, level)
                emit(.string, i, end)
                i = end
            } else if ("0"..."9").contains(c) || (c == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
                var end = i
                while end < s.count {
                    let d = s[end]
                    if isIdent(d) || d == "." {
                        end += 1
                    } else if (d == "+" || d == "-"), end > i, "eEpP".unicodeScalars.contains(s[end - 1]) {
                        end += 1
                    } else {
                        break
                    }
                }
                emit(.number, i, end)
                i = end
            } else if isIdentStart(c) {
                var end = i
                while end < s.count, isIdent(s[end]) { end += 1 }
                let word = text(i, end)
                let prev = i > 0 ? s[i - 1] : " "
                if keywords.contains(word) {
                    emit(.keyword, i, end)
                } else if builtins.contains(word) && prev != "." && prev != ":" {
                    emit(.builtin, i, end)
                } else {
                    plain += word
                }
                i = end
            } else {
                plain.unicodeScalars.append(c)
                i += 1
            }
        }
        if !plain.isEmpty { out.append((.plain, plain)) }
        return out
    }
}
