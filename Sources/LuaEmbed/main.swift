import CLua
import Foundation

// LuaEmbed OUTPUT.swift IMPORT ROOT FILE...
//
// The build-time generator behind the EmbedLua plugin. Writes a Swift file declaring
// `enum EmbeddedLua { static let files: [LuaLibraryFile] }` with one entry per Lua file under
// ROOT: its module name (lwscript/experiment/train.lua -> lwscript.experiment.train, and
// lwscript/nn/init.lua -> lwscript.nn), its path relative to ROOT (the chunk name tracebacks
// show) and its text. IMPORT names the module that declares LuaLibraryFile ("-" for none).
// Each file is compiled by Lua first, so a syntax error stops the build at its line.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// Compiles `source` with the Lua 5.4 the binary links; returns the line and message of a
/// syntax error. (The chunk gets a short fixed name: Lua shortens long ones in messages.)
func syntaxError(in source: [UInt8]) -> (line: String, message: String)? {
    guard let L = luaL_newstate() else { fail("LuaEmbed: cannot create a Lua state") }
    defer { lua_close(L) }
    let status = source.withUnsafeBufferPointer { buf in
        buf.withMemoryRebound(to: CChar.self) {
            luaL_loadbufferx(L, $0.baseAddress, $0.count, "=chunk", "t")
        }
    }
    guard status != LUA_OK else { return nil }
    let text = lua_tolstring(L, -1, nil).map { String(cString: $0) } ?? "unknown error"
    // "chunk:12: unexpected symbol near 'x'" -> ("12", "unexpected symbol near 'x'")
    let rest = text.hasPrefix("chunk:") ? text.dropFirst("chunk:".count) : Substring(text)
    if let colon = rest.firstIndex(of: ":"), colon > rest.startIndex, rest[..<colon].allSatisfy(\.isNumber) {
        return (String(rest[..<colon]), rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return ("1", text)
}

/// A Swift string literal holding `text` exactly (escapes for quotes, backslashes and every
/// control character, so any file content is safe).
func swiftLiteral(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

let args = CommandLine.arguments
guard args.count >= 4 else { fail("usage: LuaEmbed OUTPUT.swift IMPORT ROOT FILE...") }
let output = args[1], importModule = args[2]
let root = args[3].hasSuffix("/") ? args[3] : args[3] + "/"
var entries: [String] = []
var failed = false
for path in args.dropFirst(4).sorted() {
    guard path.hasPrefix(root) else { fail("LuaEmbed: \(path) is not under \(root)") }
    guard let data = FileManager.default.contents(atPath: path) else { fail("\(path): error: cannot read the file") }
    let bytes = [UInt8](data)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        FileHandle.standardError.write(Data("\(path):1: error: the file is not valid UTF-8\n".utf8))
        failed = true
        continue
    }
    if let error = syntaxError(in: bytes) {
        // The format compilers use, so that editors and CI logs point at the line.
        FileHandle.standardError.write(Data("\(path):\(error.line): error: Lua syntax: \(error.message)\n".utf8))
        failed = true
        continue
    }
    let relative = String(path.dropFirst(root.count))
    var module = String(relative.dropLast(".lua".count))
    if module.hasSuffix("/init") { module = String(module.dropLast("/init".count)) }
    module = module.replacingOccurrences(of: "/", with: ".")
    entries.append("        LuaLibraryFile(module: \(swiftLiteral(module)), path: \(swiftLiteral(relative)),\n"
                   + "                       source: \(swiftLiteral(text))),")
}
if failed { exit(1) }
var swift = "// Generated at build time by LuaEmbed from the .lua files under \(root): do not edit.\n"
if importModule != "-" { swift += "import \(importModule)\n" }
swift += """

enum EmbeddedLua {
    static let files: [LuaLibraryFile] = [
\(entries.joined(separator: "\n"))
    ]
}

"""
let existing = FileManager.default.contents(atPath: output)
if existing != Data(swift.utf8) {
    do { try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) }
    catch { fail("LuaEmbed: cannot write \(output): \(error)") }
}
