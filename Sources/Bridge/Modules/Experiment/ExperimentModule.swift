/// The Lua module `experiment`: the research workflow (docs/experiment.md). It is orchestration
/// a researcher may want to read, copy and change, so it is Lua shipped with the host, in
/// parts that share one chunk: support (options, files, JSON), the training loop and
/// evaluation, per-run outputs, the re-weighting methods, statistics across seeds, and
/// Algorithm 1 (`experiment.learnability`) with its outputs. Every hot loop
/// (layers, losses, optimizers, batching, confusion matrices) is Swift reached through the
/// other modules.
enum ExperimentModule {
    static let module = LuaModule(
        name: "experiment",
        functions: [("_write_file", PlotModule.writeFile)],
        luaSource: ExperimentSupportLua.source + ExperimentTrainLua.source + ExperimentOutputsLua.source
            + ExperimentMethodsLua.source + ExperimentSummaryLua.source + ExperimentStudyLua.source)
}
