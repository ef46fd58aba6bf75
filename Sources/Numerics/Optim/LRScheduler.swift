import Foundation

/// The base of the learning-rate schedules. As in PyTorch, creating a schedule counts as
/// epoch 0 and sets the optimizer's learning rate to the schedule's value there; each `step()`
/// advances one epoch (or one batch: the unit is whatever the caller steps by) and writes the
/// new rate into the optimizer. Subclasses give the rate at a step in closed form (PyTorch's
/// `_get_closed_form_lr`), from `baseLR`, the optimizer's rate when the schedule was created.
public class LRScheduler: CustomStringConvertible {
    public let optimizer: Optimizer
    /// The optimizer's learning rate when the schedule was created.
    public let baseLR: Double
    /// How many times `step()` ran (PyTorch's `last_epoch`).
    public private(set) var epoch = 0
    /// The rate this schedule last set (PyTorch's `get_last_lr()`).
    public private(set) var lastLR: Double

    init(optimizer: Optimizer) {
        self.optimizer = optimizer
        self.baseLR = optimizer.lr
        self.lastLR = optimizer.lr
    }

    /// Sets the rate of epoch 0; subclasses call it at the end of their initialiser.
    func start() throws {
        try apply(epoch: 0)
    }

    /// Moves to the next epoch and sets the optimizer's learning rate; returns it.
    @discardableResult
    public func step() throws -> Double {
        try apply(epoch: epoch + 1)
        return lastLR
    }

    private func apply(epoch e: Int) throws {
        let lr = try rate(at: e)
        epoch = e
        lastLR = lr
        optimizer.lr = lr
    }

    /// The learning rate at epoch `e` (subclasses).
    func rate(at e: Int) throws -> Double { baseLR }

    public var typeName: String { "LRScheduler" }
    /// The schedule's settings, in the order `tostring` shows them.
    public var settings: [(String, HyperParameter)] { [] }

    public var description: String {
        "\(typeName)(" + settings.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ")"
    }
}

/// Multiplies the rate by `gamma` every `stepSize` epochs: `lr = base * gamma^floor(e / stepSize)`
/// (PyTorch's `StepLR`).
public final class StepLR: LRScheduler {
    public let stepSize: Int
    public let gamma: Double

    public init(optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) throws {
        guard stepSize > 0 else { throw TensorError("step_size must be a positive integer, got \(stepSize)") }
        guard gamma.isFinite, gamma >= 0 else { throw TensorError("gamma must be a non-negative number, got \(gamma)") }
        self.stepSize = stepSize
        self.gamma = gamma
        super.init(optimizer: optimizer)
        try start()
    }

    override func rate(at e: Int) throws -> Double { baseLR * pow(gamma, Double(e / stepSize)) }
    public override var typeName: String { "StepLR" }
    public override var settings: [(String, HyperParameter)] {
        [("step_size", .number(Double(stepSize))), ("gamma", .number(gamma))]
    }
}

/// Multiplies the rate by `gamma` at each milestone epoch: `lr = base * gamma^(milestones <= e)`
/// (PyTorch's `MultiStepLR`).
public final class MultiStepLR: LRScheduler {
    public let milestones: [Int]
    public let gamma: Double

    public init(optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1) throws {
        guard !milestones.isEmpty else { throw TensorError("milestones must not be empty") }
        for (a, b) in zip(milestones, milestones.dropFirst()) where b <= a {
            throw TensorError("milestones must be increasing, got \(a) then \(b)")
        }
        guard milestones[0] > 0 else { throw TensorError("milestones must be positive, got \(milestones[0])") }
        guard gamma.isFinite, gamma >= 0 else { throw TensorError("gamma must be a non-negative number, got \(gamma)") }
        self.milestones = milestones
        self.gamma = gamma
        super.init(optimizer: optimizer)
        try start()
    }

    override func rate(at e: Int) throws -> Double {
        baseLR * pow(gamma, Double(milestones.filter { $0 <= e }.count))
    }
    public override var typeName: String { "MultiStepLR" }
    public override var settings: [(String, HyperParameter)] { [("gamma", .number(gamma))] }
    public override var description: String {
        "MultiStepLR(milestones={" + milestones.map(String.init).joined(separator: ", ") + "}, gamma=\(HyperParameter.number(gamma)))"
    }
}

/// Cosine annealing from the base rate down to `etaMin` over `tMax` epochs (PyTorch's
/// `CosineAnnealingLR`, closed form, without restarts):
/// `lr = eta_min + (base - eta_min) * (1 + cos(pi * e / t_max)) / 2`.
public final class CosineLR: LRScheduler {
    public let tMax: Int
    public let etaMin: Double

    public init(optimizer: Optimizer, tMax: Int, etaMin: Double = 0) throws {
        guard tMax > 0 else { throw TensorError("t_max must be a positive integer, got \(tMax)") }
        guard etaMin.isFinite, etaMin >= 0 else { throw TensorError("eta_min must be a non-negative number, got \(etaMin)") }
        self.tMax = tMax
        self.etaMin = etaMin
        super.init(optimizer: optimizer)
        try start()
    }

    override func rate(at e: Int) throws -> Double {
        etaMin + (baseLR - etaMin) * (1 + cos(Double.pi * Double(e) / Double(tMax))) / 2
    }
    public override var typeName: String { "CosineLR" }
    public override var settings: [(String, HyperParameter)] {
        [("t_max", .number(Double(tMax))), ("eta_min", .number(etaMin))]
    }
}

/// Linear warm-up: the rate grows from `startFactor * base` to `endFactor * base` over
/// `warmup` epochs, then stays (PyTorch's `LinearLR`, closed form):
/// `lr = base * (start + (end - start) * min(e, warmup) / warmup)`.
public final class WarmupLR: LRScheduler {
    public let warmup: Int
    public let startFactor: Double
    public let endFactor: Double

    public init(optimizer: Optimizer, warmup: Int = 5, startFactor: Double = 1.0 / 3, endFactor: Double = 1) throws {
        guard warmup > 0 else { throw TensorError("warmup must be a positive integer, got \(warmup)") }
        guard startFactor.isFinite, startFactor > 0, startFactor <= 1 else {
            throw TensorError("start_factor must be in (0, 1], got \(HyperParameter.number(startFactor))")
        }
        guard endFactor.isFinite, endFactor >= 0, endFactor <= 1 else {
            throw TensorError("end_factor must be in [0, 1], got \(HyperParameter.number(endFactor))")
        }
        self.warmup = warmup
        self.startFactor = startFactor
        self.endFactor = endFactor
        super.init(optimizer: optimizer)
        try start()
    }

    override func rate(at e: Int) throws -> Double {
        baseLR * (startFactor + (endFactor - startFactor) * Double(min(e, warmup)) / Double(warmup))
    }
    public override var typeName: String { "WarmupLR" }
    public override var settings: [(String, HyperParameter)] {
        [("warmup", .number(Double(warmup))), ("start_factor", .number(startFactor)),
         ("end_factor", .number(endFactor))]
    }
}

/// The one-cycle policy (Smith & Topin), as PyTorch 1.13's `OneCycleLR`: the rate rises from
/// `maxLR / divFactor` to `maxLR` over the first `pctStart` of `totalSteps`, then anneals to
/// `maxLR / divFactor / finalDivFactor` (cosine or linear). With `cycleMomentum` the
/// optimizer's momentum (SGD) or beta1 (Adam) moves the other way, between `maxMomentum`
/// and `baseMomentum`; as in PyTorch this also gives momentum to an SGD created without it.
/// `threePhase` uses PyTorch's symmetric three-phase variant. Stepping past `totalSteps` is an
/// error.
public final class OneCycleLR: LRScheduler {
    public enum Anneal: String { case cos, linear }

    public let maxLR: Double
    public let totalSteps: Int
    public let pctStart: Double
    public let anneal: Anneal
    public let divFactor: Double
    public let finalDivFactor: Double
    public let threePhase: Bool
    public let cycleMomentum: Bool
    public let baseMomentum: Double
    public let maxMomentum: Double

    /// (end step, start lr, end lr, start momentum, end momentum)
    private var phases: [(Double, Double, Double, Double, Double)] = []

    public init(optimizer: Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3,
                anneal: Anneal = .cos, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                threePhase: Bool = false, cycleMomentum: Bool = true,
                baseMomentum: Double = 0.85, maxMomentum: Double = 0.95) throws {
        guard maxLR.isFinite, maxLR >= 0 else { throw TensorError("max_lr must be a non-negative number, got \(HyperParameter.number(maxLR))") }
        guard totalSteps > 0 else { throw TensorError("total_steps must be a positive integer, got \(totalSteps)") }
        guard pctStart.isFinite, pctStart >= 0, pctStart <= 1 else {
            throw TensorError("pct_start must be in [0, 1], got \(HyperParameter.number(pctStart))")
        }
        guard divFactor.isFinite, divFactor > 0 else { throw TensorError("div_factor must be positive, got \(HyperParameter.number(divFactor))") }
        guard finalDivFactor.isFinite, finalDivFactor > 0 else {
            throw TensorError("final_div_factor must be positive, got \(HyperParameter.number(finalDivFactor))")
        }
        for (name, m) in [("base_momentum", baseMomentum), ("max_momentum", maxMomentum)] {
            guard m.isFinite, m >= 0, m < 1 else { throw TensorError("\(name) must be in [0, 1), got \(HyperParameter.number(m))") }
        }
        if cycleMomentum && optimizer.cycledMomentum == nil {
            throw TensorError("cycle_momentum needs an optimizer with momentum or betas")
        }
        if cycleMomentum {
            // both ends of the cycle must be valid for this optimizer (e.g. Nesterov needs > 0)
            let current = optimizer.cycledMomentum!
            try optimizer.setCycledMomentum(baseMomentum)
            try optimizer.setCycledMomentum(current)
        }
        self.maxLR = maxLR
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.anneal = anneal
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.threePhase = threePhase
        self.cycleMomentum = cycleMomentum
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
        super.init(optimizer: optimizer)
        let initial = maxLR / divFactor, minLR = initial / finalDivFactor
        let n = Double(totalSteps)
        if threePhase {
            phases = [(pctStart * n - 1, initial, maxLR, maxMomentum, baseMomentum),
                      (2 * pctStart * n - 2, maxLR, initial, baseMomentum, maxMomentum),
                      (n - 1, initial, minLR, maxMomentum, maxMomentum)]
        } else {
            phases = [(pctStart * n - 1, initial, maxLR, maxMomentum, baseMomentum),
                      (n - 1, maxLR, minLR, baseMomentum, maxMomentum)]
        }
        if cycleMomentum { try optimizer.setCycledMomentum(maxMomentum) }
        try start()
    }

    private func interpolate(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch anneal {
        case .cos: return end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    /// (learning rate, momentum) at step `e`, as PyTorch's `get_lr`.
    func values(at e: Int) throws -> (Double, Double) {
        guard e <= totalSteps else {
            throw TensorError("stepped \(e) times, but total_steps is \(totalSteps)")
        }
        let step = Double(e)
        var startStep = 0.0
        for (i, phase) in phases.enumerated() {
            let endStep = phase.0
            if step <= endStep || i == phases.count - 1 {
                guard endStep != startStep else {
                    throw TensorError("pct_start=\(HyperParameter.number(pctStart)) with total_steps=\(totalSteps) leaves phase \(i + 1) of the cycle without steps; change pct_start or total_steps")
                }
                let pct = (step - startStep) / (endStep - startStep)
                return (interpolate(phase.1, phase.2, pct), interpolate(phase.3, phase.4, pct))
            }
            startStep = endStep
        }
        return (maxLR, maxMomentum)   // unreachable: the last phase always matches
    }

    override func rate(at e: Int) throws -> Double {
        let (lr, momentum) = try values(at: e)
        if cycleMomentum { try optimizer.setCycledMomentum(momentum) }
        return lr
    }

    public override var typeName: String { "OneCycleLR" }
    public override var settings: [(String, HyperParameter)] {
        var s: [(String, HyperParameter)] = [
            ("max_lr", .number(maxLR)), ("total_steps", .number(Double(totalSteps))),
            ("pct_start", .number(pctStart)), ("div_factor", .number(divFactor)),
            ("final_div_factor", .number(finalDivFactor)), ("three_phase", .flag(threePhase)),
            ("cycle_momentum", .flag(cycleMomentum))]
        if cycleMomentum {
            s += [("base_momentum", .number(baseMomentum)), ("max_momentum", .number(maxMomentum))]
        }
        return s
    }
}
