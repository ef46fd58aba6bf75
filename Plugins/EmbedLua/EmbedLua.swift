import Foundation
import PackagePlugin

/// Embeds a target's Lua library into its binary: every `.lua` file under the target's `lua/`
/// folder becomes one entry of a generated Swift file (see Sources/LuaEmbed), so `lwscript`
/// stays one self-contained executable. The generator compiles each file first: a Lua syntax
/// error fails the build with `file:line: error: message`.
@main
struct EmbedLua: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SwiftSourceModuleTarget else { return [] }
        let root = target.directoryURL.appending(path: "lua")
        let files = target.sourceFiles(withSuffix: "lua").map(\.url)
            .filter { $0.path.hasPrefix(root.path + "/") }
            .sorted { $0.path < $1.path }
        guard !files.isEmpty else { return [] }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedLua.swift")
        // The generated file of a target other than Bridge refers to Bridge's file type.
        let importModule = target.name == "Bridge" ? "-" : "Bridge"
        return [.buildCommand(
            displayName: "Embedding \(files.count) Lua files of \(target.name)",
            executable: try context.tool(named: "LuaEmbed").url,
            arguments: [output.path, importModule, root.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output])]
    }
}
