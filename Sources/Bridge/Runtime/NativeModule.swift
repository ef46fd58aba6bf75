import CLua
import Numerics

/// package.loaded["lwscript.native"]: the few Swift functions the Lua library needs that
/// belong to no public module. Not a global; library files reach it with require.
enum NativeModule {
    static let functions: [(String, LuaFunction)] = [
        ("write_file", writeFile),
        ("object_id", objectID),
        ("schedule_optimizer", scheduleOptimizer),
        ("rng_state", rngState),
        ("set_rng_state", setRNGState),
    ]

    /// write_file(path, text): written atomically (a unique temporary file, fsync, rename).
    static func writeFile(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        let text = try a.string(2, "the file's text")
        try AtomicFile.write(Array(text.utf8), to: path)
        return 0
    }

    /// object_id(v): an integer naming the Swift object behind a Tensor, Optimizer,
    /// LRScheduler or Module userdata (each push makes a new userdata, so Lua's == cannot
    /// tell that two of them are the same tensor); nil for any other value.
    static func objectID(_ a: LuaArgs) throws -> Int32 {
        let L = a.L
        let object: AnyObject? = toObject(L, 1, as: Tensor.self) ?? toObject(L, 1, as: Optimizer.self)
            ?? toObject(L, 1, as: LRScheduler.self) ?? toObject(L, 1, as: Module.self)
        guard let object else { a.pushNil(); return 1 }
        a.push(Int(bitPattern: ObjectIdentifier(object)))
        return 1
    }

    /// schedule_optimizer(schedule): the optimizer whose rate the schedule sets.
    static func scheduleOptimizer(_ a: LuaArgs) throws -> Int32 {
        guard let s = toObject(a.L, 1, as: LRScheduler.self) else { throw a.typeError(1, expected: "a learning-rate schedule") }
        pushObject(a.L, s.optimizer)
        return 1
    }

    /// rng_state(): the whole state of the generator behind tensor.seed and every random draw,
    /// as a table for set_rng_state.
    static func rngState(_ a: LuaArgs) throws -> Int32 {
        let L = a.L
        let state = Generator.shared.state
        lua_createtable(L, 4, 2)
        for (k, w) in state.words.enumerated() {
            lua_pushinteger(L, lua_Integer(Int64(bitPattern: w)))
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
        lua_pushinteger(L, lua_Integer(Int64(bitPattern: state.seed)))
        lws_rawsetfield(L, -2, "seed")
        if let spare = state.spareNormal {
            lua_pushnumber(L, spare)
            lws_rawsetfield(L, -2, "spare")
        }
        return 1
    }

    /// set_rng_state(state): puts back a state rng_state returned.
    static func setRNGState(_ a: LuaArgs) throws -> Int32 {
        let L = a.L
        try a.table(1, "a state from rng_state()")
        func integer() -> UInt64? {
            defer { lws_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TNUMBER else { return nil }
            var isInteger: Int32 = 0
            let v = lua_tointegerx(L, -1, &isInteger)
            return isInteger != 0 ? UInt64(bitPattern: Int64(v)) : nil
        }
        var words: [UInt64] = []
        for k in 1...4 {
            lua_rawgeti(L, 1, lua_Integer(k))
            guard let w = integer() else { throw a.error(1, "expected a state from rng_state()") }
            words.append(w)
        }
        lws_rawgetfield(L, 1, "seed")
        guard let seed = integer() else { throw a.error(1, "expected a state from rng_state()") }
        var spare: Double?
        if lws_rawgetfield(L, 1, "spare") == LUA_TNUMBER { spare = lua_tonumberx(L, -1, nil) }
        lws_pop(L, 1)
        Generator.shared.state = Generator.State(words: words, spareNormal: spare, seed: seed)
        return 0
    }
}

extension LuaState {
    func installNative() {
        lua_createtable(L, 0, Int32(NativeModule.functions.count))
        for (name, fn) in NativeModule.functions {
            pushFunction(L, name: "lwscript.native.\(name)", fn)
            lws_rawsetfield(L, -2, name)
        }
        // where(): "source:line: " of the user's line (CLua/shim.h, lws_where_user)
        lws_pushwhere(L)
        lws_rawsetfield(L, -2, "where")
        guard lws_rawgetfield(L, lws_registryindex(), LUA_LOADED_TABLE) == LUA_TTABLE else { lws_pop(L, 2); return }
        lua_pushvalue(L, -2)
        lws_rawsetfield(L, -2, "lwscript.native")
        lws_pop(L, 2)
    }
}
