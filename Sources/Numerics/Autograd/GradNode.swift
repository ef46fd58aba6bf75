import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Whether operations record the graph for backward (`tensor.no_grad` turns it off).
public enum GradMode {
    nonisolated(unsafe) public static var isEnabled = true
}

/// One recorded operation: its inputs and how to turn the gradient of its output into
/// gradients for those inputs. Define-by-run, as in PyTorch: nodes are created by the
/// forward computation and walked once, in reverse, by `backward`.
public final class GradNode {
    public let name: String
    private(set) var inputs: [Tensor]
    private var backwardFn: ((Tensor) throws -> [Tensor?])?
    /// Storage versions of the inputs when the node was recorded.
    private let versions: [Int]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backwardFn = backward
        self.versions = inputs.map { $0.storage.version }
    }

    var isReleased: Bool { backwardFn == nil }

    func apply(_ gradOutput: Tensor) throws -> [Tensor?] {
        guard let backwardFn else {
            throw TensorError("the graph through \(name) was already used by a backward pass; set retain_graph in the first one to use it twice")
        }
        for (t, v) in zip(inputs, versions) where t.storage.version != v {
            throw TensorError("a tensor needed to compute the gradient of \(name) was modified in place after it was used; modify a clone instead")
        }
        return try backwardFn(gradOutput)
    }

    /// Drops the saved tensors once the node has been used (retain_graph = false).
    func release() {
        if inputs.isEmpty && backwardFn == nil { return }
        // The payload must hold the last references: no copy may outlive the teardown.
        var payload: GraphTeardown.Payload? = GraphTeardown.Payload(inputs: inputs, backward: backwardFn)
        inputs = []
        backwardFn = nil
        GraphTeardown.drop(&payload)
    }

    deinit {
        // Empty the fields first: what they hold must die in the teardown's loop, not when
        // this deinit ends.
        release()
    }
}

/// Frees graph nodes one after another instead of one inside the other. A node holds its
/// input tensors (and its backward closure holds tensors), and a tensor holds the node that
/// computed it: dropping the last tensor of a 50,000-step chain (`total = total + loss`
/// without a backward pass) freed the nodes by a recursion 50,000 deinits deep, which
/// overflowed the stack. Now the first node to die on a thread starts a teardown: it drops
/// what it held, and every node that dies as a result hands its references over to a list
/// instead of dropping them in its own deinit; the teardown drops them in a loop. The stack
/// stays a few frames deep whatever the graph's depth.
enum GraphTeardown {
    struct Payload {
        let inputs: [Tensor]
        let backward: ((Tensor) throws -> [Tensor?])?
    }

    struct State {
        /// The thread running a teardown, if any.
        var owner: pthread_t?
        var pending: [Payload] = []
    }

    static let state = Mutex(State())

    /// Takes over the references a node held (leaving nil) and drops them without recursion.
    static func drop(_ payload: inout Payload?) {
        let me = pthread_self()
        let startsTeardown = state.withLock { s -> Bool in
            if let owner = s.owner {
                // This thread's teardown is dropping the tensor that held this node: hand
                // the references over. (Another thread's: the caller drops them, as before.)
                if pthread_equal(owner, me) != 0, let p = payload {
                    s.pending.append(p)
                    payload = nil
                }
                return false
            }
            s.owner = me
            return true
        }
        guard startsTeardown else { return }
        payload = nil   // nodes freed by this hand theirs over (see above)
        while let next = state.withLock({ s -> Payload? in
            if let p = s.pending.popLast() { return p }
            s.owner = nil
            return nil
        }) {
            _ = next   // dropped at the end of each turn, outside the lock
        }
    }
}

extension Tensor {
    /// Attaches a node to `self` (the output of an operation on `inputs`) when gradients are
    /// being recorded and some input needs them; otherwise returns `self` untouched.
    @discardableResult
    public func recordingGradient(_ name: String, inputs: [Tensor],
                                  _ backward: @escaping (_ gradOutput: Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        requiresGrad = true
        gradFn = GradNode(name: name, inputs: inputs, backward: backward)
        return self
    }

    /// As above, for operations whose gradient is computed from their own output (exp,
    /// sigmoid, softmax...): `backward` gets that output as its second argument. The node
    /// keeps the output's storage, not the output tensor: the tensor holds the node, so
    /// capturing it would be a cycle that keeps the whole graph alive when no backward pass
    /// ever runs (evaluation without no_grad).
    @discardableResult
    public func recordingGradient(_ name: String, inputs: [Tensor],
                                  usingOutput backward: @escaping (_ gradOutput: Tensor, _ output: Tensor) throws -> [Tensor?]) -> Tensor {
        let (storage, shape, strides, offset) = (self.storage, self.shape, self.strides, self.offset)
        return recordingGradient(name, inputs: inputs) { g in
            try backward(g, Tensor(storage: storage, shape: shape, strides: strides, offset: offset))
        }
    }

    /// Reverse-mode differentiation from this tensor. `gradient` defaults to 1 for a
    /// one-element tensor. Leaf tensors that require grad accumulate into `grad`.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw TensorError("this tensor does not require grad: nothing it was computed from requires grad")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError("gradient of size \(describeShape(gradient.shape)) does not match the tensor's size \(describeShape(shape))")
            }
            seed = gradient
        } else {
            guard count == 1 else {
                throw TensorError("a backward pass without a gradient needs a one-element tensor (e.g. a loss), got size \(describeShape(shape))")
            }
            seed = try Tensor(shape: shape, repeating: 1)
        }
        guard let root = gradFn else {
            try Tensor.accumulate(seed, into: self)
            return
        }
        // Topological order of the nodes reachable from the root (iterative DFS: an LSTM
        // unrolled over time makes deep graphs).
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if node.isReleased {
                throw TensorError("the graph through \(node.name) was already used by a backward pass; set retain_graph in the first one to use it twice")
            }
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next].gradFn, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        for node in order.reversed() {
            guard let gOut = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            let started = BackwardProfile.isOn ? DispatchTime.now().uptimeNanoseconds : 0
            let gIns = try node.apply(gOut)
            if BackwardProfile.isOn { BackwardProfile.add(node.name, DispatchTime.now().uptimeNanoseconds - started) }
            for (input, g) in zip(node.inputs, gIns) {
                guard let g, input.requiresGrad else { continue }
                if let fn = input.gradFn {
                    let key = ObjectIdentifier(fn)
                    if let existing = grads[key] {
                        grads[key] = try existing.binary(.add, g)
                    } else {
                        grads[key] = g
                    }
                } else {
                    try Tensor.accumulate(g, into: input)
                }
            }
            if !retainGraph { node.release() }
        }
    }

    /// grad += g for a leaf (the first gradient is copied so it never aliases a temporary).
    static func accumulate(_ g: Tensor, into leaf: Tensor) throws {
        if let existing = leaf.grad, existing.shape == leaf.shape, existing.isContiguous {
            let src = existing.mayOverlap(g) ? try g.clone() : try g.contiguous()
            let p = existing.pointer, q = src.pointer
            for i in 0..<existing.count { p[i] += q[i] }
        } else {
            // Backward functions return gradients shaped like their inputs; copy to own them.
            let copy = try Tensor(uninitializedShape: leaf.shape)
            copyStrided(from: g, into: copy.pointer)
            leaf.grad = copy
        }
    }

    /// A tensor sharing this one's storage, cut from the graph.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }
}

/// Time spent in each kind of backward step, when switched on (`tensor.profile`).
public enum BackwardProfile {
    nonisolated(unsafe) public static var isOn = false
    nonisolated(unsafe) public static var totals: [String: (calls: Int, nanoseconds: UInt64)] = [:]

    static func add(_ name: String, _ ns: UInt64) {
        let t = totals[name] ?? (0, 0)
        totals[name] = (t.calls + 1, t.nanoseconds + ns)
    }
}
