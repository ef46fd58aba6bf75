/// The Lua module `experiment`: the research workflow (docs/experiment.md). It is
/// orchestration a researcher may want to read, copy and change, so it is all Lua
/// (Sources/Bridge/lua/lwscript/experiment): the training loop and evaluation, per-run
/// outputs, the re-weighting methods, statistics across seeds and Algorithm 1. Every hot loop
/// (layers, losses, optimizers, batching, confusion matrices) is Swift reached through the
/// other modules.
enum ExperimentModule {
    static let module = LuaModule(name: "experiment", functions: [])
}
