import Foundation

/// A small Markdown-to-HTML renderer for markdown cells and `__markdown` values in HTML
/// reports: headings, paragraphs, lists, block quotes, fenced code, rules, and inline code,
/// bold, italic and links. Everything else is shown as text; all text is escaped, so a cell
/// cannot inject markup (raw HTML in Markdown is shown as written).
public enum MarkdownRenderer {
    public static func html(_ markdown: String) -> String {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])? = nil
        var quote: [String] = []
        var i = 0

        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + inline(paragraph.joined(separator: "\n")) + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let l = list {
                let tag = l.ordered ? "ol" : "ul"
                out.append("<\(tag)>" + l.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>")
            }
            list = nil
        }
        func flushQuote() {
            if !quote.isEmpty { out.append("<blockquote>" + html(quote.joined(separator: "\n")) + "</blockquote>") }
            quote = []
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote() }

        while i < lines.count {
            let line = lines[i]
            let t = line.trimmingWhitespace()
            if t.hasPrefix(">") {
                flushParagraph(); flushList()
                quote.append(String(t.dropFirst().drop { $0 == " " }))
                i += 1
                continue
            }
            flushQuote()
            if t.hasPrefix("```") || t.hasPrefix("~~~") {
                flushAll()
                let marker = String(t.prefix(3))
                let lang = t.dropFirst(3).trimmingWhitespace()
                var code: [String] = []
                i += 1
                while i < lines.count, !lines[i].trimmingWhitespace().hasPrefix(marker) {
                    code.append(lines[i])
                    i += 1
                }
                i += 1
                let cls = lang.isEmpty ? "" : " class=\"language-\(Escaping.html(lang))\""
                out.append("<pre><code\(cls)>" + Escaping.html(code.joined(separator: "\n")) + "</code></pre>")
                continue
            }
            if paragraph.isEmpty && list == nil && (line.hasPrefix("    ") || line.hasPrefix("\t")) && !t.isEmpty {
                // an indented code block, up to the next line that is neither indented nor blank
                var code: [String] = []
                while i < lines.count {
                    let l = lines[i]
                    if l.hasPrefix("    ") { code.append(String(l.dropFirst(4))) }
                    else if l.hasPrefix("\t") { code.append(String(l.dropFirst())) }
                    else if l.trimmingWhitespace().isEmpty { code.append("") }
                    else { break }
                    i += 1
                }
                while code.last == "" { code.removeLast() }
                out.append("<pre><code>" + Escaping.html(code.joined(separator: "\n")) + "</code></pre>")
                continue
            }
            if t.isEmpty {
                flushAll()
            } else if let level = headingLevel(t) {
                flushAll()
                let text = t.dropFirst(level).trimmingWhitespace()
                out.append("<h\(level)>" + inline(text) + "</h\(level)>")
            } else if t.count >= 3, Set(t.filter { $0 != " " }).count == 1, let c = t.first, "-*_".contains(c),
                      paragraph.isEmpty {
                flushAll()
                out.append("<hr>")
            } else if let item = listItem(t) {
                flushParagraph()
                if let l = list, l.ordered != item.ordered { flushList() }
                if list == nil { list = (item.ordered, []) }
                list!.items.append(item.text)
            } else if list != nil && (line.hasPrefix("  ") || line.hasPrefix("\t")) {
                // a continuation line of the last item
                list!.items[list!.items.count - 1] += "\n" + t
            } else {
                flushList()
                paragraph.append(t)
            }
            i += 1
        }
        flushAll()
        return out.joined(separator: "\n")
    }

    static func headingLevel(_ t: String) -> Int? {
        let hashes = t.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = t.dropFirst(hashes)
        return rest.isEmpty || rest.first == " " ? hashes : nil
    }

    static func listItem(_ t: String) -> (ordered: Bool, text: String)? {
        if let c = t.first, "-*+".contains(c), t.dropFirst().first == " " {
            return (false, t.dropFirst(2).trimmingWhitespace())
        }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count < 10 {
            let rest = t.dropFirst(digits.count)
            if let c = rest.first, c == "." || c == ")", rest.dropFirst().first == " " {
                return (true, rest.dropFirst(2).trimmingWhitespace())
            }
        }
        return nil
    }

    /// Inline markup: `code` first (its content is literal), then links, bold and italic on
    /// the escaped text of the rest.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "`") {
            let run = rest[open...].prefix { $0 == "`" }
            let after = rest[run.endIndex...]
            guard let close = after.range(of: String(run)) else { break }
            out += emphasis(String(rest[..<open]))
            out += "<code>" + Escaping.html(after[..<close.lowerBound].trimmingWhitespace()) + "</code>"
            rest = after[close.upperBound...]
        }
        return out + emphasis(String(rest))
    }

    private static let link = try! NSRegularExpression(pattern: #"\[([^\]]+)\]\(([^)\s]+)\)"#)
    private static let bold = try! NSRegularExpression(pattern: #"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"#)
    private static let italic = try! NSRegularExpression(pattern: #"(?<![\w*])(\*|_)(?=\S)(.+?)(?<=\S)\1(?![\w*])"#)

    private static func emphasis(_ text: String) -> String {
        var s = Escaping.html(text)
        s = replace(link, in: s) { groups in
            let url = groups[2]
            // Only links that cannot run code: web, mail, relative paths and anchors.
            let lower = url.lowercased()
            let safe = !lower.contains(":") || lower.hasPrefix("http://") || lower.hasPrefix("https://")
                || lower.hasPrefix("mailto:")
            return safe ? "<a href=\"\(url)\">\(groups[1])</a>" : groups[0]
        }
        s = replace(bold, in: s) { "<strong>\($0[2])</strong>" }
        s = replace(italic, in: s) { "<em>\($0[2])</em>" }
        return s
    }

    private static func replace(_ re: NSRegularExpression, in s: String, _ f: ([String]) -> String) -> String {
        let ns = s as NSString
        var out = ""
        var last = 0
        for m in re.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            let groups = (0..<m.numberOfRanges).map { i -> String in
                let r = m.range(at: i)
                return r.location == NSNotFound ? "" : ns.substring(with: r)
            }
            out += f(groups)
            last = m.range.location + m.range.length
        }
        return out + ns.substring(from: last)
    }
}
