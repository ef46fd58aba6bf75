import CLua
import Numerics

/// Reading the arguments of the `metrics` functions: label vectors and confusion matrices.
extension LuaArgs {
    /// Class labels at `i`: a 1-D Tensor or Lua array of 1-based class indices, or a 2-D
    /// Tensor of scores [N, C] (the argmax of each row is the predicted class).
    func labels(_ i: Int32, _ what: String) throws -> [Double] {
        if let t = toObject(L, i, as: Tensor.self), t.rank == 2 {
            return try Confusion.argmaxRows(t.toArray(), rows: t.shape[0], columns: t.shape[1])
        }
        return try doubles(i, "\(what) (a Tensor or an array of class indices)")
    }

    /// A square matrix at `i`: a [C, C] Tensor or a nested Lua array {{...}, ...}; row-major.
    func squareMatrix(_ i: Int32, _ what: String = "a confusion matrix") throws -> (values: [Double], size: Int) {
        if let t = toObject(L, i, as: Tensor.self) {
            guard t.rank == 2, t.shape[0] == t.shape[1], t.shape[0] >= 1 else {
                throw error(i, "expected \(what) of size CxC, got a Tensor of size \(describeShape(t.shape))")
            }
            return (t.toArray().map(Double.init), t.shape[0])
        }
        guard isTable(i) else { throw typeError(i, expected: "\(what) (a CxC Tensor or a nested array)") }
        let idx = lua_absindex(L, i)
        let n = Int(lua_rawlen(L, idx))
        guard n >= 1 else { throw error(i, "\(what) must not be empty") }
        var values: [Double] = []
        values.reserveCapacity(n * n)
        for r in 1...n {
            lua_rawgeti(L, idx, lua_Integer(r))
            defer { lws_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TTABLE else {
                throw error(i, "row [\(r)] of \(what) must be an array, got \(typeNameAt(L, -1))")
            }
            let row = lua_absindex(L, -1)
            guard Int(lua_rawlen(L, row)) == n else {
                throw error(i, "row [\(r)] of \(what) has \(lua_rawlen(L, row)) values, expected \(n) (a square matrix)")
            }
            for c in 1...n {
                lua_rawgeti(L, row, lua_Integer(c))
                defer { lws_pop(L, 1) }
                guard lua_type(L, -1) == LUA_TNUMBER else {
                    throw error(i, "element [\(r)][\(c)] of \(what) must be a number, got \(typeNameAt(L, -1))")
                }
                values.append(lua_tonumberx(L, -1, nil))
            }
        }
        return (values, n)
    }

    /// Class names from option `key` of the table at `i`: an array of C strings (numbers are
    /// written as text). Missing -> "1", "2", ...
    func classNames(_ i: Int32, _ key: String, count c: Int) throws -> [String] {
        guard isTable(i) else { return (1...c).map(String.init) }
        let t = lws_rawgetfield(L, i, key)
        defer { lws_pop(L, 1) }
        if t == LUA_TNIL { return (1...c).map(String.init) }
        guard t == LUA_TTABLE else { throw error(i, "option '\(key)' must be an array of \(c) names, got \(typeNameAt(L, -1))") }
        let idx = lua_absindex(L, -1)
        guard Int(lua_rawlen(L, idx)) == c else {
            throw error(i, "option '\(key)' has \(lua_rawlen(L, idx)) names for \(c) classes")
        }
        var names: [String] = []
        for k in 1...c {
            let vt = lua_rawgeti(L, idx, lua_Integer(k))
            defer { lws_pop(L, 1) }
            if vt == LUA_TSTRING, let s = stringAt(L, -1) {
                names.append(s)
            } else if vt == LUA_TNUMBER {
                names.append(formatNumber(lua_tonumberx(L, -1, nil)))
            } else {
                throw error(i, "option '\(key)': name [\(k)] must be a string, got \(typeNameAt(L, -1))")
            }
        }
        return names
    }

    /// Sets field `key` of the table on top of the stack to an array of numbers.
    func setArrayField(_ key: String, _ values: [Double]) {
        pushArray(values)
        lws_rawsetfield(L, -2, key)
    }

    /// Counts as Lua integers when they are whole numbers (they always are for confusion
    /// matrices of label pairs), as floats otherwise; `scalar` sets the single value.
    func setCountsField(_ key: String, _ values: [Double], scalar: Bool = false) {
        func pushCount(_ v: Double) {
            if v == v.rounded() && abs(v) < 9.0e15 { lua_pushinteger(L, lua_Integer(v)) } else { lua_pushnumber(L, v) }
        }
        if scalar, let v = values.first {
            pushCount(v)
        } else {
            lua_createtable(L, Int32(values.count), 0)
            for (k, v) in values.enumerated() {
                pushCount(v)
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        }
        lws_rawsetfield(L, -2, key)
    }

    func setField(_ key: String, _ value: Double) {
        lua_pushnumber(L, value)
        lws_rawsetfield(L, -2, key)
    }

    func setField(_ key: String, _ value: Int) {
        lua_pushinteger(L, lua_Integer(value))
        lws_rawsetfield(L, -2, key)
    }

    func setField(_ key: String, _ value: String) {
        pushString(L, value)
        lws_rawsetfield(L, -2, key)
    }
}
