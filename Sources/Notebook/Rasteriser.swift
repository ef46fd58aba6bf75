import Foundation

/// PNG pictures of SVG plots for the `.ipynb` report: nbconvert 6.5 (Debian 12) draws an
/// output that has only `image/svg+xml` as a blank box, so each plot also carries
/// `image/png` when the machine has a rasteriser. The same order and switch as the Lua side
/// (`plot.png`, Sources/Bridge/lua/lwscript/plot/raster.lua): `rsvg-convert` (Debian's
/// librsvg2-bin), else headless Chromium; `LWSCRIPT_RASTERISER` = `rsvg-convert`, `chromium`
/// or `none` chooses. Without one the notebook keeps the SVG alone.
public struct Rasteriser: Sendable {
    public enum Kind: String, Sendable { case rsvg = "rsvg-convert", chromium }
    public let kind: Kind
    public let program: String

    /// The rasteriser of this machine, or nil.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> Rasteriser? {
        let wanted = environment["LWSCRIPT_RASTERISER"] ?? ""
        if wanted == "none" { return nil }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let candidates: [(Kind, [String])] = [(.rsvg, ["rsvg-convert"]), (.chromium, ["chromium", "chromium-browser", "google-chrome"])]
        for (kind, programs) in candidates where wanted.isEmpty || wanted == kind.rawValue {
            for program in programs {
                for dir in path.split(separator: ":") {
                    let candidate = "\(dir)/\(program)"
                    if FileManager.default.isExecutableFile(atPath: candidate) { return Rasteriser(kind: kind, program: candidate) }
                }
            }
        }
        return nil
    }

    /// The PNG of an SVG document at its own width and height, or nil when the rasteriser fails.
    public func png(_ svg: String) -> Data? {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("lwscript-png-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch { return nil }
        let input = dir.appendingPathComponent("plot.svg"), output = dir.appendingPathComponent("plot.png")
        guard (try? Data(Escaping.svg(svg, standalone: true).utf8).write(to: input)) != nil else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        switch kind {
        case .rsvg:
            p.arguments = ["-f", "png", "-o", output.path, input.path]
        case .chromium:
            let (w, h) = Self.size(svg)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                           "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--window-size=\(w),\(h)",
                           "--screenshot=\(output.path)", input.absoluteString]
        }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0, let data = try? Data(contentsOf: output),
              data.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        return data
    }

    /// The width and height attributes of the `<svg>` element (the plots' pixels), else 760 x 440.
    static func size(_ svg: String) -> (Int, Int) {
        guard let open = svg.range(of: "<svg"), let close = svg[open.upperBound...].firstIndex(of: ">") else { return (760, 440) }
        let tag = svg[open.upperBound..<close]
        func attribute(_ name: String) -> Int? {
            guard let r = tag.range(of: " \(name)=\"") else { return nil }
            return Int(tag[r.upperBound...].prefix { $0.isNumber })
        }
        return (attribute("width") ?? 760, attribute("height") ?? 440)
    }
}
