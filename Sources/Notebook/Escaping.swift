import Foundation

/// Escaping text for the report formats.
public enum Escaping {
    /// Text for HTML element content and quoted attribute values: & < > " ' escaped.
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A Markdown code fence longer than any run of backticks in `text` (so the text cannot
    /// close it early).
    public static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for c in text.unicodeScalars {
            if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// A Markdown table cell: pipes and backslashes escaped, newlines as spaces.
    public static func markdownCell(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// SVG markup as a standalone file or inline element: anything before `<svg` (an XML
    /// prolog, a doctype) dropped for inline use, and the SVG namespace added if missing (a
    /// standalone .svg file needs it).
    public static func svg(_ markup: String, standalone: Bool) -> String {
        guard let start = markup.range(of: "<svg") else { return markup }
        var body = standalone ? markup : String(markup[start.lowerBound...])
        if let open = body.range(of: "<svg"), let close = body[open.upperBound...].firstIndex(of: ">") {
            let tag = body[open.lowerBound..<close]
            if !tag.contains("xmlns=") && !tag.contains("xmlns =") {
                body.insert(contentsOf: " xmlns=\"http://www.w3.org/2000/svg\"", at: open.upperBound)
            }
        }
        return body
    }
}
