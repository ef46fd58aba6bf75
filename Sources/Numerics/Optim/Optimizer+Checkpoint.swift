import Foundation

/// Optimizer state in checkpoint files (kind "optimizer"): the metadata holds the type, the
/// hyper-parameters, the parameter count and shapes and each parameter's step count, one
/// `key=value` per line; the state buffers are tensors named "<position>.<buffer>", e.g.
/// "1.exp_avg" (positions count from 1, as in Lua). Loading checks that the file was written
/// by an optimizer of the same type over parameters of the same count and shapes, and changes
/// nothing unless everything checks.
extension Optimizer {
    static let checkpointKind = "optimizer"
    static let metadataHeader = "lwscript optimizer 1"

    /// The metadata and tensors that describe this optimizer's state.
    public func checkpointContents() -> (metadata: String, tensors: [(String, Tensor)]) {
        var lines = [Optimizer.metadataHeader, "type=\(typeName)"]
        for (name, value) in hyperParameters {
            switch value {
            case .number(let d): lines.append("\(name)=\(d)")
            case .flag(let b): lines.append("\(name)=\(b)")
            }
        }
        lines.append("parameters=\(parameters.count)")
        var tensors: [(String, Tensor)] = []
        for (k, p) in parameters.enumerated() {
            lines.append("shape.\(k + 1)=\(p.shape.map(String.init).joined(separator: ","))")
            lines.append("step.\(k + 1)=\(state[k]?.step ?? 0)")
            if let s = state[k] {
                for (name, t) in zip(stateNames, s.buffers) { tensors.append(("\(k + 1).\(name)", t)) }
            }
        }
        return (lines.joined(separator: "\n") + "\n", tensors)
    }

    /// Writes the optimizer's state to a checkpoint file (atomically).
    public func save(to path: String) throws {
        let (metadata, tensors) = checkpointContents()
        try Checkpoint.write(to: path, kind: Optimizer.checkpointKind, metadata: metadata, tensors: tensors)
    }

    /// Replaces hyper-parameters and state with those of a checkpoint file.
    public func load(from path: String) throws {
        let c = try Checkpoint.read(from: path)
        do {
            try restore(from: c)
        } catch let e as TensorError {
            throw CheckpointError("\(path): \(e.message)")
        }
    }


    static let maxSteps = 1 << 53

    /// A saved state buffer holds finite numbers (and, for second moments, none below 0): any
    /// other value would turn the parameters into NaN at the next step.
    func checkBuffer(_ name: String, _ t: Tensor, nonNegative: Bool) throws {
        let values = t.toArray()
        if let i = values.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) {
            throw TensorError("state '\(name)' holds \(values[i]) at element \(i + 1) (it must be a finite number\(nonNegative ? " >= 0" : ""))")
        }
    }

    /// Restores from checkpoint contents; throws (changing nothing) on any mismatch.
    public func restore(from c: Checkpoint) throws {
        guard c.kind == Optimizer.checkpointKind else {
            throw TensorError("expected an optimizer checkpoint, got one of kind '\(c.kind)'")
        }
        var lines = c.metadata.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == Optimizer.metadataHeader else {
            throw TensorError("the metadata does not describe an optimizer (expected the line '\(Optimizer.metadataHeader)')")
        }
        lines.removeFirst()
        var values: [String: String] = [:]
        for line in lines {
            guard let eq = line.firstIndex(of: "=") else { throw TensorError("malformed metadata line '\(line)'") }
            let key = String(line[..<eq])
            guard values.updateValue(String(line[line.index(after: eq)...]), forKey: key) == nil else {
                throw TensorError("the metadata has '\(key)' twice")
            }
        }
        func take(_ key: String) throws -> String {
            guard let v = values.removeValue(forKey: key) else { throw TensorError("the metadata lacks '\(key)'") }
            return v
        }
        let type = try take("type")
        guard type == typeName else {
            throw TensorError("the checkpoint holds \(type) state, this optimizer is \(typeName)")
        }
        guard let count = Int(try take("parameters")) else { throw TensorError("malformed parameter count") }
        guard count == parameters.count else {
            throw TensorError("the checkpoint is for \(count) parameter tensors, this optimizer has \(parameters.count)")
        }
        // Hyper-parameters, parsed now and applied last.
        var hyper: [(String, HyperParameter)] = []
        for (name, current) in hyperParameters {
            let text = try take(name)
            switch current {
            case .number:
                guard let d = Double(text) else { throw TensorError("malformed value '\(text)' for \(name)") }
                hyper.append((name, .number(d)))
            case .flag:
                guard text == "true" || text == "false" else { throw TensorError("malformed value '\(text)' for \(name)") }
                hyper.append((name, .flag(text == "true")))
            }
        }
        var tensors: [String: Tensor] = [:]
        for (name, t) in c.tensors { tensors[name] = t }
        var newState: [ParameterState?] = []
        for (k, p) in parameters.enumerated() {
            let shapeText = try take("shape.\(k + 1)")
            let shape = shapeText.isEmpty ? [] : shapeText.split(separator: ",").map { Int($0) ?? -1 }
            guard shape == p.shape else {
                throw TensorError("parameter \(k + 1) has size \(describeShape(p.shape)), the checkpoint's has size \(shapeText.isEmpty ? "()" : shapeText.replacingOccurrences(of: ",", with: "x"))")
            }
            guard let steps = Int(try take("step.\(k + 1)")), steps >= 0 else {
                throw TensorError("malformed step count for parameter \(k + 1)")
            }
            // Bias corrections use the count as a Double: beyond 2^53 it is no count a run reached.
            guard steps <= Optimizer.maxSteps else {
                throw TensorError("step count \(steps) of parameter \(k + 1) is out of range (at most \(Optimizer.maxSteps))")
            }
            var buffers: [Tensor] = []
            for name in stateNames {
                guard let t = tensors.removeValue(forKey: "\(k + 1).\(name)") else { break }
                guard t.shape == p.shape else {
                    throw TensorError("state '\(k + 1).\(name)' has size \(describeShape(t.shape)), parameter \(k + 1) has size \(describeShape(p.shape))")
                }
                try checkBuffer("\(k + 1).\(name)", t, nonNegative: bufferIsNonNegative(name))
                buffers.append(t)
            }
            if steps == 0 && buffers.isEmpty {
                newState.append(nil)
                continue
            }
            guard steps > 0, acceptsBufferCount(buffers.count) else {
                throw TensorError("incomplete state for parameter \(k + 1): \(buffers.count) buffers (\(stateNames.joined(separator: ", "))) after \(steps) steps")
            }
            newState.append(ParameterState(step: steps, buffers: buffers))
        }
        if let extra = tensors.keys.sorted().first {
            throw TensorError("the checkpoint holds a tensor '\(extra)' that this optimizer does not use")
        }
        if let extra = values.keys.sorted().first {
            throw TensorError("the metadata has an unknown entry '\(extra)'")
        }
        let previous = hyperParameters
        do {
            for (name, v) in hyper { try setHyperParameter(name, v) }
            try validate()
        } catch {
            for (name, v) in previous { try? setHyperParameter(name, v) }
            throw error
        }
        state = newState
    }
}
