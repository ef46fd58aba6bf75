import Foundation

/// `lwscript notebook FILE.lua [-o REPORT] [--stop] [--cell N]`: parsing and running.
public struct NotebookInvocation: Equatable, Sendable {
    public var path: String? = nil
    public var output: String? = nil
    public var stop = false
    public var lastCell: Int? = nil
    public var showHelp = false

    public static let usage = """
    usage: lwscript notebook FILE.lua [-o REPORT] [--stop] [--cell N]

    Runs the cells of a Lua notebook in order, in one Lua state, and writes a report with each
    cell's code, printed output, value, errors, plots and time. Cells use the percent format
    of Jupytext and VS Code, in Lua comments:

      -- %% Optional title          starts a code cell
      -- %% [markdown]              starts a markdown cell (its lines are -- comments)

    options:
      -o, --output REPORT  where to write; the extension picks the format:
                           .html (default: FILE.html next to FILE.lua; one self-contained file),
                           .md (plots as SVG files in REPORT_files/), .ipynb (Jupyter, nbformat 4)
      --stop               stop at the first cell with an error (default: run the rest)
      --cell N             run cells 1..N only (markdown cells count)
      -h, --help           show this help and exit

    A cell's value is its last expression's (end the line with ';' to hide it); tensors and
    arrays of numbers show as tables; values with a __svg, __html or __markdown metamethod as
    that; display(v) shows a value mid-cell. Printed output over 100 KB per cell is truncated.
    Exit status: 0 if every cell ran without error, 1 if a cell failed (the report is still
    written) or the notebook cannot be read, 2 for a usage error. See docs/notebook.md.
    """

    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
    }

    public init() {}

    /// Parses the arguments after `notebook`.
    public static func parse(_ args: [String]) throws -> NotebookInvocation {
        var inv = NotebookInvocation()
        var i = 0
        var positional: [String] = []
        func value(_ flag: String) throws -> String {
            i += 1
            guard i < args.count else { throw UsageError(description: "'\(flag)' needs an argument") }
            return args[i]
        }
        func cellNumber(_ s: String) throws -> Int {
            guard let n = Int(s), n >= 1 else {
                throw UsageError(description: "--cell expects a cell number from 1, got '\(s)'")
            }
            return n
        }
        var optionsDone = false
        while i < args.count {
            let a = args[i]
            if optionsDone || !a.hasPrefix("-") || a == "-" {
                positional.append(a)
            } else {
                switch a {
                case "--": optionsDone = true
                case "-o", "--output": inv.output = try value(a)
                case "--stop": inv.stop = true
                case "--cell": inv.lastCell = try cellNumber(try value(a))
                case "-h", "--help": inv.showHelp = true
                default:
                    if a.hasPrefix("--output=") { inv.output = String(a.dropFirst(9)) }
                    else if a.hasPrefix("--cell=") { inv.lastCell = try cellNumber(String(a.dropFirst(7))) }
                    else if a.hasPrefix("-o") { inv.output = String(a.dropFirst(2)) }
                    else { throw UsageError(description: "unrecognized option '\(a)'") }
                }
            }
            i += 1
        }
        if inv.showHelp { return inv }
        guard let path = positional.first else { throw UsageError(description: "no notebook file given") }
        guard positional.count == 1 else {
            throw UsageError(description: "one notebook at a time (got \(positional.joined(separator: ", ")))")
        }
        if path == "-" { throw UsageError(description: "notebooks are read from a file, not standard input") }
        inv.path = path
        if let out = inv.output, ReportFormat(path: out) == nil {
            throw UsageError(description: ReportFile.unknownFormat(out).description)
        }
        return inv
    }

    /// The report path: `-o`, else the notebook's name with .html.
    public var reportPath: String? {
        if let output { return output }
        guard let path else { return nil }
        let ns = path as NSString
        return (ns.pathExtension.lowercased() == "lua" ? ns.deletingPathExtension : path) + ".html"
    }
}

public enum NotebookCommand {
    /// Runs `lwscript notebook ARGS`; returns the exit status. Messages go to stderr, the
    /// one-line summary to stdout.
    public static func main(_ args: [String], generator: String) -> Int32 {
        let inv: NotebookInvocation
        do {
            inv = try NotebookInvocation.parse(args)
        } catch {
            fputs("lwscript notebook: \(error)\n\n\(NotebookInvocation.usage)\n", stderr)
            return 2
        }
        if inv.showHelp { print(NotebookInvocation.usage); return 0 }
        guard let path = inv.path, let reportPath = inv.reportPath else { return 2 }

        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            fputs("lwscript notebook: cannot open \(path) (no such file)\n", stderr)
            return 1
        }
        guard !isDir.boolValue, let data = FileManager.default.contents(atPath: path) else {
            fputs("lwscript notebook: cannot read \(path)\(isDir.boolValue ? " (it is a directory)" : "")\n", stderr)
            return 1
        }
        let document = CellParser.parse(String(decoding: data, as: UTF8.self), path: path)
        if let n = inv.lastCell, n > document.cells.count {
            fputs("lwscript notebook: --cell \(n): \(path) has \(document.cells.count) cell\(document.cells.count == 1 ? "" : "s")\n", stderr)
            return 2
        }
        let report: NotebookReport
        do {
            let runner = try NotebookRunner(document: document,
                                            options: RunOptions(stopAtFirstError: inv.stop, lastCell: inv.lastCell))
            report = runner.run(generator: generator)
        } catch {
            fputs("lwscript notebook: cannot set up the Lua state: \(error)\n", stderr)
            return 1
        }
        // Errors are in the report; name them here too, so a terminal run shows what failed.
        for (cell, result) in zip(report.document.cells, report.results) {
            guard let e = result?.error else { continue }
            let first = e.message.split(separator: "\n").first.map(String.init) ?? e.message
            fputs("lwscript notebook: \(e.kindName) in cell \(cell.number): \(first)\n", stderr)
        }
        do {
            let written = try ReportFile.write(report, to: reportPath)
            let extra = written.count > 1 ? " (+\(written.count - 1) plot file\(written.count == 2 ? "" : "s"))" : ""
            print("\(reportPath)\(extra): \(report.summary)")
        } catch {
            fputs("lwscript notebook: \(error)\n", stderr)
            return 1
        }
        return report.errorCount == 0 ? 0 : 1
    }
}
