/// The Lua module `plot`: SVG plots that also save their data as tidy CSV (docs/plots.md).
/// The plots are all Lua (Sources/Bridge/lua/lwscript/plot: SVG building blocks, option
/// checks, the Plot object, one file per kind), short enough for a researcher to read and
/// adapt; the files are written atomically by lwscript.native.write_file.
enum PlotModule {
    static let module = LuaModule(name: "plot", functions: [])
}
