import CLua

/// Swift objects in Lua: a userdata holds one retained reference; the type's metatable
/// (registered under `metatableName`) gives its methods, and its __gc releases the object.
public protocol LuaObject: AnyObject {
    /// Registry key of the metatable, e.g. "lwscript.Tensor".
    static var metatableName: String { get }
}

/// Pushes `object` as a userdata with its type's metatable, which must be registered.
public func pushObject<T: LuaObject>(_ L: OpaquePointer, _ object: T) {
    let slot = lws_newuserdata(L, MemoryLayout<UnsafeRawPointer>.size)!
    slot.storeBytes(of: UnsafeRawPointer(Unmanaged.passRetained(object).toOpaque()), as: UnsafeRawPointer?.self)
    luaL_setmetatable(L, T.metatableName)
}

/// The object at stack index `i` if it is a userdata of type T (checked with luaL_testudata).
public func toObject<T: LuaObject>(_ L: OpaquePointer, _ i: Int32, as type: T.Type) -> T? {
    guard let raw = luaL_testudata(L, i, T.metatableName),
          let p = raw.load(as: UnsafeRawPointer?.self) else { return nil }
    return Unmanaged<T>.fromOpaque(p).takeUnretainedValue()
}

/// Registers the metatable of T: methods (looked up from C first), an index fallback for
/// other keys, metamethods, and the __gc that releases the Swift object. Leaves the stack
/// as it found it.
func registerType<T: LuaObject>(_ L: OpaquePointer, _ type: T.Type, displayName: String,
                                methods: [(String, LuaFunction)],
                                metamethods: [(String, LuaFunction)],
                                indexFallback: LuaFunction?) {
    luaL_newmetatable(L, T.metatableName)
    pushString(L, displayName)
    lws_rawsetfield(L, -2, "__name")

    // The methods table, also kept in the registry for the Lua prelude ("lwscript.Tensor.methods").
    lua_createtable(L, 0, Int32(methods.count))
    for (name, fn) in methods {
        pushFunction(L, name: "\(displayName):\(name)", isMethod: true, fn)
        lws_rawsetfield(L, -2, name)
    }
    lua_pushvalue(L, -1)
    lws_rawsetfield(L, lws_registryindex(), T.metatableName + ".methods")

    if let indexFallback {
        pushFunctionBox(L, name: "\(displayName) indexing", isMethod: true, indexFallback)
        lws_pushindexdispatch(L)
    }
    lws_rawsetfield(L, -2, "__index")   // the methods table itself when there is no fallback

    let operators = ["__add": "+", "__sub": "-", "__mul": "*", "__div": "/", "__unm": "unary -",
                     "__pow": "^", "__lt": "<", "__le": "<=", "__eq": "==", "__len": "#",
                     "__newindex": "indexing", "__tostring": "tostring", "__call": "call"]
    for (name, fn) in metamethods {
        // obj(x) numbers its arguments as written (x is #1), as obj:forward(x) does: self
        // comes first on the stack, as for a method. Operators number both operands.
        pushFunction(L, name: "\(displayName) \(operators[name] ?? name)", isMethod: name == "__call", fn)
        lws_rawsetfield(L, -2, name)
    }

    lua_pushcclosure(L, { L in
        guard let L, let raw = lua_touserdata(L, 1) else { return 0 }
        if let p = raw.load(as: UnsafeRawPointer?.self) {
            Unmanaged<AnyObject>.fromOpaque(p).release()
            raw.storeBytes(of: nil, as: UnsafeRawPointer?.self)
        }
        return 0
    }, 0)
    lws_rawsetfield(L, -2, "__gc")
    lws_pop(L, 1)
}
