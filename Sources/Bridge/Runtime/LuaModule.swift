import CLua

/// A built-in Lua module: a table of Swift functions, available as a global and to `require`.
/// Its Lua half, if it has one, is a file of the Lua library (Sources/Bridge/lua/lwscript),
/// which adds to the same table.
public struct LuaModule {
    public let name: String
    public let functions: [(String, LuaFunction)]
    /// Registers the userdata types the module hands out (metatables), before the table.
    public let registerTypes: ((OpaquePointer) -> Void)?
    /// Makes the module table callable: `tensor{1, 2}` is `tensor.new{1, 2}`.
    public let call: LuaFunction?

    public init(name: String, functions: [(String, LuaFunction)],
                registerTypes: ((OpaquePointer) -> Void)? = nil, call: LuaFunction? = nil) {
        self.name = name
        self.functions = functions
        self.registerTypes = registerTypes
        self.call = call
    }
}

/// Every module the host installs, in order.
enum BuiltinModules {
    static let all: [LuaModule] = [TensorModule.module, SysModule.module, NNModule.module, LossModule.module,
                                   OptimModule.module, DataModule.module, SampleModule.module, AugmentModule.module,
                                   WeightsModule.module, MetricsModule.module, CSVModule.module, PlotModule.module, StatsModule.module,
                                   ExperimentModule.module]
}
