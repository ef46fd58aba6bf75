import Foundation
import Numerics

/// The report formats, chosen by the output file's extension.
public enum ReportFormat: String, Sendable {
    case html, markdown, ipynb

    /// .html/.htm, .md/.markdown, .ipynb; nil for anything else.
    public init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": self = .html
        case "md", "markdown": self = .markdown
        case "ipynb": self = .ipynb
        default: return nil
        }
    }
}

public struct ReportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Writing a report to disk. Every file is written atomically: to a temporary file in the same
/// directory, then renamed over the target, so an interrupted run never leaves half a report.
public enum ReportFile {
    /// Renders `report` in the format of `path`'s extension and writes it (and, for Markdown,
    /// its plots in `<name>_files/`). Returns the paths written, the report first.
    @discardableResult
    public static func write(_ report: NotebookReport, to path: String) throws -> [String] {
        guard let format = ReportFormat(path: path) else { throw unknownFormat(path) }
        let url = URL(fileURLWithPath: path)
        let rendered: RenderedReport
        switch format {
        case .html:
            rendered = RenderedReport(main: Data(HTMLWriter.render(report).utf8))
        case .ipynb:
            // (a PNG beside each SVG when the machine has a rasteriser: Rasteriser.swift)
            rendered = RenderedReport(main: try IpynbWriter.render(report, rasteriser: Rasteriser.find()))
        case .markdown:
            let filesDir = url.deletingPathExtension().lastPathComponent + "_files"
            rendered = MarkdownWriter.render(report, filesDirectory: filesDir)
            try replacePlots(in: url.deletingLastPathComponent().appendingPathComponent(filesDir),
                             with: rendered.attachments)
        }
        try writeAtomically(rendered.main, to: url)
        return [url.path] + rendered.attachments.map { url.deletingLastPathComponent().appendingPathComponent($0.path).path }
    }

    public static func unknownFormat(_ path: String) -> ReportError {
        let ext = (path as NSString).pathExtension
        return ReportError("cannot write \(path): unknown report format '\(ext.isEmpty ? "(no extension)" : "." + ext)' (use .html, .md or .ipynb)")
    }

    /// Writes the plots of a Markdown report, removing plots of an earlier run that are gone.
    static func replacePlots(in dir: URL, with files: [(path: String, data: Data)]) throws {
        let fm = FileManager.default
        let wanted = Set(files.map { ($0.path as NSString).lastPathComponent })
        if let old = try? fm.contentsOfDirectory(atPath: dir.path) {
            for name in old where name.hasPrefix("cell") && name.hasSuffix(".svg") && !wanted.contains(name) {
                try? fm.removeItem(at: dir.appendingPathComponent(name))
            }
        }
        guard !files.isEmpty else { return }
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw ReportError("cannot create \(dir.path): \(error.localizedDescription)")
        }
        for f in files {
            try writeAtomically(f.data, to: dir.appendingPathComponent((f.path as NSString).lastPathComponent))
        }
    }

    /// Writes `data` atomically (AtomicFile: a unique temporary file beside `url`, fsync,
    /// rename), after checking the directory exists (for a clearer message).
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ReportError("cannot write \(url.path): directory \(dir.path) does not exist")
        }
        do {
            try AtomicFile.write(Array(data), to: url.path)
        } catch let e as DataError {
            throw ReportError(e.message)
        }
    }
}
