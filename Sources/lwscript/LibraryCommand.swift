import Bridge
import Foundation
import Notebook

/// `lwscript lib`: the Lua library built into the binary, for reading and changing it.
///
///     lwscript lib                  every module, its file, and where it loads from here
///     lwscript lib show NAME        print a module's source as built in (or LWSCRIPT_LUA_DIR's)
///     lwscript lib path NAME        print where NAME loads from
///     lwscript lib copy NAME [DIR]  write the built-in file under DIR (default .) to change it
///     lwscript lib extract DIR      write the whole tree under DIR (for LWSCRIPT_LUA_DIR)
///
/// "Where it loads from" follows the rules of a script run from the current directory: a
/// file on package.path (./lwscript/..., LUA_PATH) wins, then LWSCRIPT_LUA_DIR, then the
/// binary.
enum LibraryCommand {
    static let usage = """
    usage: lwscript lib                  list the Lua library's modules and where each loads from
           lwscript lib show NAME        print a module's built-in source (NAME: experiment.train,
                                         lwscript.experiment.train or experiment/train.lua)
           lwscript lib path NAME        print the file NAME loads from, or 'built in: <path>'
           lwscript lib copy NAME [DIR]  write the built-in file to DIR/lwscript/... (default: .),
                                         where a script in DIR picks it up instead of the built-in one
           lwscript lib extract DIR      write the whole library under DIR; then
                                         LWSCRIPT_LUA_DIR=DIR loads it from there (no rebuild)

    lwscript's own Lua (the training loop, Algorithm 1, methods, plots, presets) is .lua
    files built into the binary. A file of the same path next to your script, or on
    LUA_PATH, replaces the built-in one (docs/library.md).
    """

    static let library = NotebookRunner.library

    static func main(_ args: [String]) -> Int32 {
        do {
            switch args.first {
            case nil, "list": try list()
            case "-h", "--help", "help": print(usage)
            case "show":
                let found = try find(try argument(args, 1, "a module name"))
                FileHandle.standardOutput.write(Data(found.source))
            case "path":
                let name = try moduleName(try argument(args, 1, "a module name"))
                print(try origin(of: name))
            case "copy":
                let found = try find(try argument(args, 1, "a module name"))
                let dir = args.count > 2 ? args[2] : "."
                print(try write(found.path, Data(found.source), under: dir))
            case "extract":
                let dir = try argument(args, 1, "a directory")
                for file in library.files.sorted(by: { $0.path < $1.path }) {
                    guard let found = library.find(file.module) else { continue }
                    _ = try write(found.path, Data(found.source), under: dir)
                }
                print("wrote \(library.files.count) files under \(dir)/lwscript; run with LWSCRIPT_LUA_DIR=\(dir)")
            default:
                throw UsageError("unknown 'lib' command '\(args[0])'")
            }
            return 0
        } catch let error as UsageError {
            fputs("lwscript lib: \(error.message)\n\(usage)\n", stderr)
            return 2
        } catch {
            fputs("lwscript lib: \(error)\n", stderr)
            return 1
        }
    }

    struct UsageError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func argument(_ args: [String], _ i: Int, _ what: String) throws -> String {
        guard i < args.count else { throw UsageError("'\(args[0])' needs \(what)") }
        return args[i]
    }

    /// "experiment.train", "lwscript.experiment.train", "experiment/train.lua" and
    /// "lwscript/experiment/train.lua" all name lwscript.experiment.train.
    static func moduleName(_ text: String) throws -> String {
        let match = library.files.first { file in
            [file.module, file.path].contains { $0 == text || $0 == "lwscript." + text || $0 == "lwscript/" + text }
        }
        guard let match else { throw UsageError("no module '\(text)' in the library ('lwscript lib' lists them)") }
        return match.module
    }

    /// The built-in module (or LWSCRIPT_LUA_DIR's): what `show` prints and `copy` writes.
    static func find(_ text: String) throws -> LuaLibrary.Found {
        let name = try moduleName(text)
        guard let found = library.find(name) else { throw UsageError("no module '\(text)' in the library") }
        return found
    }

    /// package.path as a script in the current directory sees it (from a bare Lua state: a
    /// broken replacement file, which this command may be asked about, must not stop it).
    static let packagePath: String? = LuaLibrary.packagePath(prepending: ["."])

    /// Where `name` loads from: a file (on package.path or in LWSCRIPT_LUA_DIR), or
    /// "built in: <path>".
    static func origin(of name: String) throws -> String {
        guard let found = library.find(name, packagePath: packagePath) else { throw UsageError("no module '\(name)'") }
        return found.origin == "built in" ? "built in: \(found.path)" : found.origin
    }

    static func list() throws {
        let files = library.files.sorted { $0.path < $1.path }
        let width = files.map(\.module.count).max() ?? 0
        for file in files {
            let name = file.module.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(name)  \(try origin(of: file.module))")
        }
        for dir in library.missingDirectories {
            print("warning: \(LuaLibrary.directoryVariable) names \(dir), which is not a directory")
        }
    }

    /// Writes `data` to dir/path (creating folders) unless a file is there already.
    static func write(_ path: String, _ data: Data, under dir: String) throws -> String {
        let url = URL(fileURLWithPath: dir).appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: url.path) {
            throw UsageError("\(url.path) exists already; remove it first to copy the built-in file again")
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
        return url.path
    }
}
