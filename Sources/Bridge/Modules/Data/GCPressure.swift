import CLua

/// Tells Lua's collector about memory allocated outside its heap. A Tensor userdata is a few
/// bytes to Lua while its Swift storage may be megabytes, so a loop that makes a batch per
/// step would let dead batches pile up (hundreds of MB) before a collection. The batch
/// iterator reports what it allocated with `collectgarbage("step", kilobytes)`, which
/// advances the collector as if that much had been allocated inside Lua.
///
/// The standard `collectgarbage` is kept in the registry when the module is installed (a
/// script redefining the global does not change it) and called with lua_pcall.
enum GCPressure {
    static let registryKey = "lwscript.data.collectgarbage"

    /// Saves the standard `collectgarbage` (call while installing the module).
    static func remember(_ L: OpaquePointer) {
        lua_rawgeti(L, lws_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lws_rawgetfield(L, -1, "collectgarbage")
        lws_rawsetfield(L, lws_registryindex(), registryKey)
        lws_pop(L, 1)
    }

    /// Advances the collector by `bytes` of allocation; errors (none expected) are dropped.
    static func step(_ L: OpaquePointer, bytes: Int) {
        guard lws_rawgetfield(L, lws_registryindex(), registryKey) == LUA_TFUNCTION else {
            lws_pop(L, 1)
            return
        }
        pushString(L, "step")
        lua_pushinteger(L, lua_Integer(max(bytes / 1024, 1)))
        if lws_pcall(L, 2, 0, 0) != LUA_OK { lws_pop(L, 1) }
    }
}

/// Counts bytes allocated by one iterator and steps the collector every `threshold` bytes.
final class AllocationMeter {
    private var pending = 0
    private let threshold: Int
    init(threshold: Int = 2 << 20) { self.threshold = threshold }

    func add(_ bytes: Int, _ L: OpaquePointer) {
        pending += bytes
        if pending >= threshold {
            GCPressure.step(L, bytes: pending)
            pending = 0
        }
    }
}
