import CLua
import Numerics

/// A Swift function callable from Lua. It reads its arguments through `LuaArgs`, pushes its
/// results and returns how many it pushed; it reports failure by throwing.
public typealias LuaFunction = (LuaArgs) throws -> Int32

/// Holds one Swift function for a Lua closure (upvalue 1 is a userdata pointing at the box).
final class FunctionBox {
    let name: String
    let isMethod: Bool
    let body: LuaFunction
    init(name: String, isMethod: Bool, body: @escaping LuaFunction) {
        self.name = name
        self.isMethod = isMethod
        self.body = body
    }
}

/// The one entry from C into Swift (see CLua/shim.h). It never raises: every Swift error
/// becomes a message on the stack and a sentinel the trampoline acts on after we return.
@_cdecl("lws_swift_entry")
func swiftEntry(_ L: OpaquePointer?) -> Int32 {
    guard let L else { return 0 }
    guard let raw = lua_touserdata(L, lws_upvalueindex(1)) else {
        pushString(L, "lwscript: internal error: function without its Swift body")
        return LWS_RAISE_MESSAGE
    }
    let box = Unmanaged<FunctionBox>.fromOpaque(raw.load(as: UnsafeRawPointer.self)).takeUnretainedValue()
    // The gradient mode of the calling Lua thread (modes belong to threads; CLua/shim.h).
    let grad = lws_grad_enabled(L) != 0
    if GradMode.isEnabled != grad { GradMode.isEnabled = grad }
    do {
        return try box.body(LuaArgs(L, box))
    } catch let error as LuaError {
        if case .propagate = error { return LWS_RAISE_VALUE }
        pushString(L, error.text(function: box.name))
    } catch let error as TensorError {
        pushString(L, "\(box.name): \(error.message)")
    } catch {
        pushString(L, "\(box.name): \(error)")
    }
    return LWS_RAISE_MESSAGE
}

/// Pushes a Swift string (any bytes, including NUL) as a Lua string.
@inline(__always)
func pushString(_ L: OpaquePointer, _ s: String) {
    var s = s
    s.withUTF8 { buf in
        _ = buf.withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) }
    }
}

/// Pushes a Swift function as a Lua C closure through the trampoline.
func pushFunction(_ L: OpaquePointer, name: String, isMethod: Bool = false, _ body: @escaping LuaFunction) {
    pushFunctionBox(L, name: name, isMethod: isMethod, body)
    lws_pushtrampoline(L, 1)
}

/// Pushes the userdata that owns a Swift function (the first upvalue of a trampoline).
func pushFunctionBox(_ L: OpaquePointer, name: String, isMethod: Bool, _ body: @escaping LuaFunction) {
    let box = FunctionBox(name: name, isMethod: isMethod, body: body)
    let slot = lws_newuserdata(L, MemoryLayout<UnsafeRawPointer>.size)!
    slot.storeBytes(of: UnsafeRawPointer(Unmanaged.passRetained(box).toOpaque()), as: UnsafeRawPointer.self)
    pushBoxMetatable(L)
    lua_setmetatable(L, -2)
}

/// The metatable of function boxes: its __gc releases the Swift closure.
private func pushBoxMetatable(_ L: OpaquePointer) {
    if luaL_newmetatable(L, "lwscript.FunctionBox") != 0 {
        lua_pushcclosure(L, { L in
            guard let L, let raw = lua_touserdata(L, 1) else { return 0 }
            let p = raw.load(as: UnsafeRawPointer?.self)
            if let p {
                Unmanaged<FunctionBox>.fromOpaque(p).release()
                raw.storeBytes(of: nil, as: UnsafeRawPointer?.self)
            }
            return 0
        }, 0)
        lws_rawsetfield(L, -2, "__gc")
    }
}
