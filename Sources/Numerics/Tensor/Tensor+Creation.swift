/// Factory functions. Random ones draw from a `Generator` (the shared one by default).
extension Tensor {
    public static func zeros(_ shape: [Int]) throws -> Tensor {
        try validateShape(shape)
        return try Tensor(shape: shape, repeating: 0)
    }

    public static func ones(_ shape: [Int]) throws -> Tensor {
        try validateShape(shape)
        return try Tensor(shape: shape, repeating: 1)
    }

    public static func full(_ shape: [Int], _ value: Float) throws -> Tensor {
        try validateShape(shape)
        return try Tensor(shape: shape, repeating: value)
    }

    /// Uniform on [low, high).
    public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1,
                            generator: Generator = .shared) throws -> Tensor {
        try validateShape(shape)
        let t = try Tensor(uninitializedShape: shape)
        let p = t.pointer, span = high - low
        for i in 0..<t.count { p[i] = low + span * generator.uniformFloat() }
        return t
    }

    /// Normal with the given mean and standard deviation.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1,
                             generator: Generator = .shared) throws -> Tensor {
        try validateShape(shape)
        let t = try Tensor(uninitializedShape: shape)
        let p = t.pointer
        for i in 0..<t.count { p[i] = mean + std * Float(generator.normal()) }
        return t
    }

    /// `start, start+step, ...` strictly before `end` (PyTorch's `arange`).
    public static func arange(_ start: Double, _ end: Double, _ step: Double = 1) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError("expected finite start, end and a non-zero step, got \(start), \(end), \(step)")
        }
        let steps = ((end - start) / step).rounded(.up)
        guard steps.isFinite, steps <= Double(maxElements) else {
            throw TensorError("from \(describeNumber(start)) to \(describeNumber(end)) by \(describeNumber(step)) would give too many elements")
        }
        let n = steps > 0 ? Int(steps) : 0
        let t = try Tensor(uninitializedShape: [n])
        for i in 0..<n { t.pointer[i] = Float(start + Double(i) * step) }
        return t
    }

    /// Identity matrix with `rows` rows and `cols` columns (square by default).
    public static func eye(_ rows: Int, _ cols: Int? = nil) throws -> Tensor {
        let c = cols ?? rows
        let t = try zeros([rows, c])
        for i in 0..<min(rows, c) { t.pointer[i * c + i] = 1 }
        return t
    }
}
