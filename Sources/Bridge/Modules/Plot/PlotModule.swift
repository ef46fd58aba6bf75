import Numerics

/// The Lua module `plot`: SVG plots that also save their data as tidy CSV (docs/plots.md).
/// The plots are Lua (PlotSVGLua.swift: SVG primitives, axes and legends; PlotKindsLua.swift:
/// bars, heatmap, lines, scatter), short enough for a researcher to read and adapt; Swift
/// only writes the files atomically.
enum PlotModule {
    static let module = LuaModule(
        name: "plot",
        functions: [("_write_file", writeFile)],
        luaSource: PlotSVGLua.source + "\n" + PlotKindsLua.source)

    /// plot._write_file(path, text): the atomic writer, taken private by the Lua half (the
    /// experiment module's Lua half uses it too).
    static func writeFile(_ a: LuaArgs) throws -> Int32 {
        let path = try a.string(1, "a file path")
        let text = try a.string(2, "the file's text")
        try AtomicFile.write(Array(text.utf8), to: path)
        return 0
    }
}
