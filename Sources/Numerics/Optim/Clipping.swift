import Foundation

/// Rescales the gradients of `parameters` in place so that their combined `normType`-norm
/// (all gradients viewed as one vector) is at most `maxNorm`, as PyTorch 1.13's
/// `clip_grad_norm_`: `scale = min(1, max_norm / (total_norm + 1e-6))`, every gradient is
/// multiplied by it. Parameters without a gradient are skipped. `normType` is a positive
/// number or `.infinity` (largest absolute value). Returns the total norm before clipping
/// (0 when no parameter has a gradient).
///
/// ```swift
/// let total = try clipGradNorm(model.parameters, maxNorm: 1.0)
/// ```
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) throws -> Double {
    guard maxNorm.isFinite, maxNorm >= 0 else {
        throw TensorError("max_norm must be a non-negative number, got \(HyperParameter.number(maxNorm))")
    }
    guard normType == .infinity || (normType.isFinite && normType > 0) else {
        throw TensorError("norm_type must be a positive number or infinity, got \(HyperParameter.number(normType))")
    }
    let grads = try ownedGradients(parameters)
    if grads.isEmpty { return 0 }
    // Accumulate in Double; PyTorch's result is a Float32 tensor, so round to Float once.
    var acc = 0.0
    for g in grads {
        let q = g.pointer
        if normType == .infinity {
            for i in 0..<g.count {
                let a = Double(abs(q[i]))
                if a.isNaN { acc = .nan; break }   // torch.max propagates NaN
                acc = Swift.max(acc, a)
            }
        } else if normType == 2 {
            for i in 0..<g.count { let x = Double(q[i]); acc += x * x }
        } else if normType == 1 {
            for i in 0..<g.count { acc += Double(abs(q[i])) }
        } else {
            for i in 0..<g.count { acc += pow(Double(abs(q[i])), normType) }
        }
        if acc.isNaN { break }
    }
    let total: Float
    if normType == .infinity { total = Float(acc) }
    else if normType == 2 { total = Float(acc.squareRoot()) }
    else if normType == 1 { total = Float(acc) }
    else { total = Float(pow(acc, 1 / normType)) }
    let coef = Swift.min(Float(maxNorm) / (total + Float(1e-6)), 1)
    if coef != 1 {
        for g in grads {
            let q = g.pointer
            for i in 0..<g.count { q[i] = q[i] * coef }
            g.storage.version += 1
        }
    }
    return Double(total)
}

/// Clamps every gradient of `parameters` in place to [-value, value], as PyTorch's
/// `clip_grad_value_`. Parameters without a gradient are skipped.
public func clipGradValue(_ parameters: [Tensor], _ value: Double) throws {
    guard value.isFinite, value >= 0 else {
        throw TensorError("clip value must be a non-negative number, got \(HyperParameter.number(value))")
    }
    let v = Float(value)
    for g in try ownedGradients(parameters) {
        let q = g.pointer
        for i in 0..<g.count { q[i] = Swift.min(Swift.max(q[i], -v), v) }
        g.storage.version += 1
    }
}

/// The gradients of the parameters that have one, each made packed first: a strided view
/// (which `t.grad = g` allows) is replaced by a packed copy, so in-place scaling touches each
/// element exactly once.
private func ownedGradients(_ parameters: [Tensor]) throws -> [Tensor] {
    var out: [Tensor] = []
    for p in parameters {
        guard let g = p.grad else { continue }
        if g.isContiguous {
            out.append(g)
        } else {
            let packed = try g.clone()
            p.grad = packed
            out.append(packed)
        }
    }
    return out
}
