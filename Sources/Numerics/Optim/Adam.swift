import Foundation

/// Adam (Kingma & Ba) with optional L2 weight decay folded into the gradient and the AMSGrad
/// variant, as PyTorch 1.13's `torch.optim.Adam`. With t the parameter's step count:
///
///     g  = g + weight_decay * p
///     m  = beta1 * m + (1 - beta1) * g
///     v  = beta2 * v + (1 - beta2) * g * g
///     v̂  = max(v̂, v) if amsgrad, else v
///     p  = p - lr / (1 - beta1^t) * m / (sqrt(v̂) / sqrt(1 - beta2^t) + eps)
///
/// `AdamW` shares this update and decays the weights directly instead (`decoupled`).
public class Adam: Optimizer {
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public let amsgrad: Bool
    /// AdamW: `p *= 1 - lr * weight_decay` before the step instead of adding to the gradient.
    let decoupled: Bool

    public convenience init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) throws {
        try self.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                      amsgrad: amsgrad, decoupled: false)
    }

    init(parameters: [Tensor], lr: Double, betas: (Double, Double), eps: Double,
         weightDecay: Double, amsgrad: Bool, decoupled: Bool) throws {
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupled = decoupled
        try super.init(parameters: parameters, lr: lr)
        try validate()
    }

    override func validate() throws {
        try super.validate()
        for (name, b) in [("beta1", beta1), ("beta2", beta2)] {
            guard b.isFinite, b >= 0, b < 1 else {
                throw TensorError("\(name) must be in [0, 1), got \(HyperParameter.number(b))")
            }
        }
        guard eps.isFinite, eps >= 0 else {
            throw TensorError("eps must be a non-negative number, got \(HyperParameter.number(eps))")
        }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw TensorError("weight_decay must be a non-negative number, got \(HyperParameter.number(weightDecay))")
        }
    }

    public override var typeName: String { "Adam" }

    public override var hyperParameters: [(String, HyperParameter)] {
        [("lr", .number(lr)), ("beta1", .number(beta1)), ("beta2", .number(beta2)), ("eps", .number(eps)),
         ("weight_decay", .number(weightDecay)), ("amsgrad", .flag(amsgrad))]
    }

    override func setHyperParameter(_ name: String, _ value: HyperParameter) throws {
        switch name {
        case "beta1": beta1 = try numberValue(name, value)
        case "beta2": beta2 = try numberValue(name, value)
        case "eps": eps = try numberValue(name, value)
        case "weight_decay": weightDecay = try numberValue(name, value)
        case "amsgrad":
            guard try flagValue(name, value) == amsgrad else {
                throw TensorError("the checkpoint has amsgrad=\(value), this optimizer amsgrad=\(amsgrad)")
            }
        default: try super.setHyperParameter(name, value)
        }
    }

    public override var stateNames: [String] {
        amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
    }

    override func bufferIsNonNegative(_ name: String) -> Bool { name == "exp_avg_sq" || name == "max_exp_avg_sq" }

    override var cycledMomentum: Double? { beta1 }

    override func setCycledMomentum(_ m: Double) throws {
        let previous = beta1
        beta1 = m
        do { try validate() } catch { beta1 = previous; throw error }
    }

    override func newState(for parameter: Tensor) throws -> [Tensor] {
        try (0..<(amsgrad ? 3 : 2)).map { _ in try Tensor(shape: parameter.shape, repeating: 0) }
    }

    override func applyStep(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int,
                            state: inout ParameterState, parameter: Tensor) {
        // Scalars in Double as PyTorch computes them in Python, then rounded to Float32 once.
        let t = Double(state.step)
        let stepSize = Float(lr / (1 - pow(beta1, t)))
        let bc2Sqrt = Float((1 - pow(beta2, t)).squareRoot())
        let b1 = Float(beta1), b2 = Float(beta2), c1 = Float(1 - beta1), c2 = Float(1 - beta2)
        let e = Float(eps), wd = Float(weightDecay)
        let m = state.buffers[0].pointer, v = state.buffers[1].pointer
        let vmax: UnsafeMutablePointer<Float>? = amsgrad ? state.buffers[2].pointer : nil
        if decoupled && weightDecay != 0 {
            let decay = Float(1 - lr * weightDecay)
            for i in 0..<n { p[i] = p[i] * decay }
        }
        let coupledDecay = !decoupled && weightDecay != 0
        if !coupledDecay && vmax == nil {
            // the usual configuration, without loop-invariant branches (so it vectorises), and
            // large parameters split across the cores as SGD's (each element on its own)
            parallelRanges(n, minimumPerWorker: 1 << 15) { _, range in
                for i in range {
                    let d = g[i]
                    let mi = m[i] * b1 + c1 * d
                    let vi = v[i] * b2 + c2 * (d * d)
                    m[i] = mi
                    v[i] = vi
                    p[i] = p[i] + -stepSize * (mi / (vi.squareRoot() / bc2Sqrt + e))
                }
            }
            return
        }
        for i in 0..<n {
            var d = g[i]
            if coupledDecay { d = d + wd * p[i] }
            m[i] = m[i] * b1 + c1 * d
            v[i] = v[i] * b2 + c2 * (d * d)
            var second = v[i]
            if let vmax {
                vmax[i] = Swift.max(vmax[i], second)
                second = vmax[i]
            }
            let denom = second.squareRoot() / bc2Sqrt + e
            p[i] = p[i] + -stepSize * (m[i] / denom)
        }
    }
}
