import CLua

/// A built-in Lua module: a table of Swift functions, available as a global and to `require`.
public struct LuaModule {
    public let name: String
    public let functions: [(String, LuaFunction)]
    /// Registers the userdata types the module hands out (metatables), before the table.
    public let registerTypes: ((OpaquePointer) -> Void)?
    /// Makes the module table callable: `tensor{1, 2}` is `tensor.new{1, 2}`.
    public let call: LuaFunction?
    /// Lua code run once the table exists, with the table as `...` (the parts of a module
    /// that are clearer in Lua, such as containers).
    public let luaSource: String?

    public init(name: String, functions: [(String, LuaFunction)],
                registerTypes: ((OpaquePointer) -> Void)? = nil, call: LuaFunction? = nil,
                luaSource: String? = nil) {
        self.name = name
        self.functions = functions
        self.registerTypes = registerTypes
        self.call = call
        self.luaSource = luaSource
    }
}

/// Every module the host installs, in order.
enum BuiltinModules {
    static let all: [LuaModule] = [TensorModule.module, SysModule.module, NNModule.module, LossModule.module,
                                   OptimModule.module, DataModule.module, SampleModule.module, AugmentModule.module,
                                   WeightsModule.module, MetricsModule.module, CSVModule.module, PlotModule.module, StatsModule.module,
                                   ExperimentModule.module]
}
