/// Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch 1.13's
/// `torch.optim.AdamW`: each step first shrinks the weights, `p = p * (1 - lr * weight_decay)`,
/// then applies the Adam update to the plain gradient. Default weight decay 0.01.
public final class AdamW: Adam {
    public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false) throws {
        try super.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                       amsgrad: amsgrad, decoupled: true)
    }

    public override var typeName: String { "AdamW" }
}
