/// A hyper-parameter value, as shown by `tostring(opt)` and stored in optimizer checkpoints.
public enum HyperParameter: Equatable, CustomStringConvertible {
    case number(Double)
    case flag(Bool)

    public var description: String {
        switch self {
        case .number(let d): return describeNumber(d)
        case .flag(let b): return b ? "true" : "false"
        }
    }
}

/// What an optimizer keeps for one parameter: how many steps updated it and its buffers
/// (e.g. Adam's first and second moments), shaped like the parameter.
public struct ParameterState {
    public var step: Int
    public var buffers: [Tensor]
    public init(step: Int, buffers: [Tensor]) {
        self.step = step
        self.buffers = buffers
    }
}

/// The base of the optimizers (the MLX Swift shape): it owns the parameter list, the learning
/// rate and the per-parameter state; a subclass says only which state buffers a parameter
/// needs (`newState`) and how one step updates one parameter (`applyStep`).
///
/// Semantics are PyTorch 1.13's: a parameter whose `grad` is nil is skipped (no state, no
/// step count); state is created the first time a parameter has a gradient; updates are
/// written in place into the parameter's storage (no autograd recording), and the storage
/// version is bumped so a graph that saved the old values refuses to run backward.
///
/// ```swift
/// let w = Tensor(shape: [3], repeating: 1); w.requiresGrad = true
/// let opt = try SGD(parameters: [w], lr: 0.1, momentum: 0.9)
/// w.grad = Tensor(shape: [3], repeating: 0.5)
/// try opt.step()
/// ```
public class Optimizer: CustomStringConvertible {
    /// The tensors updated by `step`, in the order given (positions name them in checkpoints).
    public let parameters: [Tensor]
    /// The learning rate used by the next `step` (schedulers write it).
    public var lr: Double
    /// State per parameter position; nil until the parameter first had a gradient.
    public internal(set) var state: [ParameterState?]

    /// Checks the parameter list: not empty, leaves only, packed (updates run over raw
    /// memory), no tensor twice.
    init(parameters: [Tensor], lr: Double) throws {
        guard !parameters.isEmpty else {
            throw TensorError("got an empty parameter list")
        }
        var seen = Set<ObjectIdentifier>()
        for (k, p) in parameters.enumerated() {
            guard p.isLeaf else {
                throw TensorError("parameter \(k + 1) is not a leaf tensor (it was computed by \(p.gradFn?.name ?? "an operation")); optimize the tensors you created, such as a model's parameters")
            }
            guard p.isContiguous else {
                throw TensorError("parameter \(k + 1) (size \(describeShape(p.shape))) is a non-contiguous view; optimize a contiguous tensor (a clone of the view)")
            }
            guard seen.insert(ObjectIdentifier(p)).inserted else {
                throw TensorError("parameter \(k + 1) appears more than once in the parameter list")
            }
        }
        try Optimizer.checkLearningRate(lr)
        self.parameters = parameters
        self.lr = lr
        self.state = Array(repeating: nil, count: parameters.count)
    }

    static func checkLearningRate(_ lr: Double) throws {
        guard lr.isFinite, lr >= 0 else {
            throw TensorError("learning rate must be a non-negative number, got \(HyperParameter.number(lr))")
        }
    }

    // MARK: what subclasses provide

    /// "SGD", "Adam", "AdamW".
    public var typeName: String { "Optimizer" }

    /// The hyper-parameters, learning rate first, in the order `tostring` shows them.
    public var hyperParameters: [(String, HyperParameter)] { [("lr", .number(lr))] }

    /// Sets one hyper-parameter by name (checkpoint loading); `validate()` checks them after.
    func setHyperParameter(_ name: String, _ value: HyperParameter) throws {
        guard name == "lr" else { throw TensorError("\(typeName) has no hyper-parameter '\(name)'") }
        lr = try numberValue(name, value)
    }

    /// Sets a hyper-parameter by its Lua name ("lr", "momentum", ...), checked as the
    /// constructor checks it; on error nothing changes.
    public func assign(_ name: String, _ value: HyperParameter) throws {
        let previous = hyperParameters
        do {
            try setHyperParameter(name, value)
            try validate()
        } catch {
            for (n, v) in previous { try? setHyperParameter(n, v) }
            throw error
        }
    }

    /// Checks the hyper-parameters together (subclasses add theirs).
    func validate() throws {
        try Optimizer.checkLearningRate(lr)
    }

    /// Names of the state buffers a parameter may have, in `ParameterState.buffers` order.
    public var stateNames: [String] { [] }

    /// The buffers for a parameter that gets its first gradient (allocated once).
    func newState(for parameter: Tensor) throws -> [Tensor] { [] }

    /// One update of `n` values: `param` in place, from `grad`, with the parameter's state
    /// (whose `step` has already been incremented to count this step).
    func applyStep(param: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, count n: Int,
                   state: inout ParameterState, parameter: Tensor) throws {}

    /// Whether a state buffer can never be negative (second moments), checked on load.
    func bufferIsNonNegative(_ name: String) -> Bool { false }

    /// Which buffer counts a saved parameter state may have (overridden where state is lazy).
    func acceptsBufferCount(_ n: Int) -> Bool { n == stateNames.count }

    /// The momentum a one-cycle schedule cycles (SGD's momentum, Adam's beta1); nil when the
    /// optimizer has none.
    var cycledMomentum: Double? { nil }

    /// Sets the cycled momentum, checked as the constructor checks it (unchanged on error).
    func setCycledMomentum(_ m: Double) throws {
        throw TensorError("\(typeName) has no momentum to cycle")
    }

    // MARK: the step

    /// Updates every parameter that has a gradient, in place.
    /// A gradient that shares memory with a parameter (set by hand: `p.grad = big:narrow(...)`)
    /// is copied first, so that no update reads values an earlier one already changed.
    public func step() throws {
        for (k, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            guard g.count == p.count else {
                throw TensorError("the gradient of parameter \(k + 1) has size \(describeShape(g.shape)), expected \(describeShape(p.shape))")
            }
            let packed = parameters.contains(where: { $0.mayOverlap(g) }) ? try g.clone() : try g.contiguous()
            var s = try state[k] ?? ParameterState(step: 0, buffers: newState(for: p))
            s.step += 1
            try applyStep(param: p.pointer, grad: UnsafePointer(packed.pointer), count: p.count,
                      state: &s, parameter: p)
            state[k] = s
            p.storage.version += 1
        }
    }

    /// Forgets every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }

    /// "SGD(lr=0.1, momentum=0.9, ...)".
    public var description: String {
        "\(typeName)(" + hyperParameters.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ")"
    }
}

/// Reads a hyper-parameter given as a number; throws a message naming it otherwise.
func numberValue(_ name: String, _ value: HyperParameter) throws -> Double {
    guard case .number(let v) = value, v.isFinite else {
        throw TensorError("hyper-parameter '\(name)' must be a finite number, got \(value)")
    }
    return v
}

func flagValue(_ name: String, _ value: HyperParameter) throws -> Bool {
    guard case .flag(let b) = value else {
        throw TensorError("hyper-parameter '\(name)' must be true or false, got \(value)")
    }
    return b
}
