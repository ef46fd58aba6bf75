import CLua
import Numerics

/// optim.StepLR / MultiStepLR / CosineLR / WarmupLR / OneCycleLR and the methods of the
/// schedules they return. Creating a schedule sets the optimizer's rate for step 0.
enum SchedulerBindings {
    static let constructors: [(String, LuaFunction)] = [
        ("StepLR", { a in
            let o = try OptimArgs.optimizer(a, 1)
            try a.checkOptions(2, ["step_size", "gamma"], required: true)
            guard let size = try OptimArgs.positiveIntOption(a, 2, "step_size") else {
                throw a.error(2, "option 'step_size' is required (e.g. {step_size = 30})")
            }
            a.push(try StepLR(optimizer: o, stepSize: size, gamma: try a.optionNumber(2, "gamma") ?? 0.1))
            return 1
        }),
        ("MultiStepLR", { a in
            let o = try OptimArgs.optimizer(a, 1)
            try a.checkOptions(2, ["milestones", "gamma"], required: true)
            guard let m = try a.optionDoubles(2, "milestones") else {
                throw a.error(2, "option 'milestones' is required (e.g. {milestones = {30, 80}})")
            }
            let milestones = try m.map { d -> Int in
                guard d.isFinite, d == d.rounded(), abs(d) < 1e15 else {
                    throw a.error(2, "option 'milestones' must hold integers, got \(formatNumber(d))")
                }
                return Int(d)
            }
            a.push(try MultiStepLR(optimizer: o, milestones: milestones, gamma: try a.optionNumber(2, "gamma") ?? 0.1))
            return 1
        }),
        ("CosineLR", { a in
            let o = try OptimArgs.optimizer(a, 1)
            try a.checkOptions(2, ["t_max", "eta_min"], required: true)
            guard let tMax = try OptimArgs.positiveIntOption(a, 2, "t_max") else {
                throw a.error(2, "option 't_max' is required (e.g. {t_max = 100})")
            }
            a.push(try CosineLR(optimizer: o, tMax: tMax, etaMin: try a.optionNumber(2, "eta_min") ?? 0))
            return 1
        }),
        ("WarmupLR", { a in
            let o = try OptimArgs.optimizer(a, 1)
            try a.checkOptions(2, ["warmup", "start_factor", "end_factor"], required: false)
            a.push(try WarmupLR(optimizer: o, warmup: try OptimArgs.positiveIntOption(a, 2, "warmup") ?? 5,
                                startFactor: try a.optionNumber(2, "start_factor") ?? 1.0 / 3,
                                endFactor: try a.optionNumber(2, "end_factor") ?? 1))
            return 1
        }),
        ("OneCycleLR", oneCycle),
    ]

    /// optim.OneCycleLR(opt, {max_lr=, total_steps= | epochs= and steps_per_epoch=, pct_start=0.3,
    /// anneal="cos", div_factor=25, final_div_factor=1e4, three_phase=false,
    /// cycle_momentum=true, base_momentum=0.85, max_momentum=0.95}).
    static func oneCycle(_ a: LuaArgs) throws -> Int32 {
        let o = try OptimArgs.optimizer(a, 1)
        try a.checkOptions(2, ["max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal",
                                   "div_factor", "final_div_factor", "three_phase", "cycle_momentum",
                                   "base_momentum", "max_momentum"], required: true)
        let maxLR = try OptimArgs.requiredOption(a, 2, "max_lr", example: "0.1")
        var total = try OptimArgs.positiveIntOption(a, 2, "total_steps")
        let epochs = try OptimArgs.positiveIntOption(a, 2, "epochs"), perEpoch = try OptimArgs.positiveIntOption(a, 2, "steps_per_epoch")
        if total == nil, let epochs, let perEpoch {
            let (n, overflow) = epochs.multipliedReportingOverflow(by: perEpoch)
            guard !overflow else { throw a.error(2, "epochs * steps_per_epoch is too large") }
            total = n
        } else if total != nil && (epochs != nil || perEpoch != nil) {
            throw a.error(2, "give either total_steps or epochs and steps_per_epoch, not both")
        }
        guard let total else {
            throw a.error(2, "option 'total_steps' (or 'epochs' and 'steps_per_epoch') is required")
        }
        let annealName = try a.optionString(2, "anneal") ?? "cos"
        guard let anneal = OneCycleLR.Anneal(rawValue: annealName) else {
            throw a.error(2, "option 'anneal' must be \"cos\" or \"linear\", got \"\(annealName)\"")
        }
        a.push(try OneCycleLR(optimizer: o, maxLR: maxLR, totalSteps: total,
                              pctStart: try a.optionNumber(2, "pct_start") ?? 0.3, anneal: anneal,
                              divFactor: try a.optionNumber(2, "div_factor") ?? 25,
                              finalDivFactor: try a.optionNumber(2, "final_div_factor") ?? 1e4,
                              threePhase: try a.optionBool(2, "three_phase") ?? false,
                              cycleMomentum: try a.optionBool(2, "cycle_momentum") ?? true,
                              baseMomentum: try a.optionNumber(2, "base_momentum") ?? 0.85,
                              maxMomentum: try a.optionNumber(2, "max_momentum") ?? 0.95))
        return 1
    }

    static func scheduler(_ a: LuaArgs) throws -> LRScheduler {
        guard let s = toObject(a.L, 1, as: LRScheduler.self) else { throw a.typeError(1, expected: "a learning-rate schedule") }
        return s
    }

    static let methods: [(String, LuaFunction)] = [
        ("step", { a in a.push(try scheduler(a).step()); return 1 }),
        ("lr", { a in a.push(try scheduler(a).lastLR); return 1 }),
    ]

    static let metamethods: [(String, LuaFunction)] = [
        ("__tostring", { a in
            let s = try scheduler(a)
            a.push("optim.\(s.description) at step \(s.epoch), lr=\(formatNumber(s.lastLR))")
            return 1
        }),
    ]

    /// sched.epoch (steps taken), sched.base_lr.
    static func index(_ a: LuaArgs) throws -> Int32 {
        let s = try scheduler(a)
        switch a.isString(2) ? try a.string(2) : "" {
        case "epoch": a.push(s.epoch)
        case "base_lr": a.push(s.baseLR)
        default: a.pushNil()
        }
        return 1
    }
}
