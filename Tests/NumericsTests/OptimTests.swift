@testable import Numerics
import XCTest

/// Optimizers, schedules and clipping against PyTorch 1.13 (Debian python3-torch). Every
/// expected number below was printed by `/usr/bin/python3 scripts/reference/optim_reference.py`,
/// which runs the same setups with torch.optim and torch.nn.utils.
final class OptimTests: XCTestCase {
    // The quadratic of the reference script: g = c * (p - target) for p (2x3) on every step,
    // g = qc * q for q (3) on even steps only (q has no grad on odd steps: it is skipped).
    static let p0: [Float] = [0.5, -1.25, 2.0, 0.75, -0.3, 1.6]
    static let c: [Float] = [1.0, 0.5, 2.0, 0.25, 3.0, 1.5]
    static let target: [Float] = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6]
    static let q0: [Float] = [1.0, -2.0, 0.5]
    static let qc: [Float] = [0.7, 1.1, 0.4]

    static func makeParameters() -> (Tensor, Tensor) {
        let p = try! Tensor(shape: [2, 3], values: p0)
        let q = try! Tensor(shape: [3], values: q0)
        p.requiresGrad = true
        q.requiresGrad = true
        return (p, q)
    }

    static func setGradients(_ p: Tensor, _ q: Tensor, step t: Int) {
        let pv = p.toArray()
        p.grad = try! Tensor(shape: [2, 3], values: (0..<6).map { c[$0] * (pv[$0] - target[$0]) })
        if t % 2 == 0 {
            let qv = q.toArray()
            q.grad = try! Tensor(shape: [3], values: (0..<3).map { qc[$0] * qv[$0] })
        }
    }

    func assertClose(_ got: [Float], _ expected: [Float], tol: Float, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, file: file, line: line)
        let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, tol, "\(what): max diff \(diff)\n got \(got)\n expected \(expected)", file: file, line: line)
    }

    /// (p, q) after 6 steps, from the reference script.
    static let expected: [String: ([Float], [Float])] = [
        "sgdPlain": ([0.31257638335227966, -0.8658832907676697, 0.30293115973472595, 0.7006738781929016, -0.4764702022075653, 0.9771495461463928], [0.8043569922447205, -1.409937858581543, 0.4423680007457733]),
        "sgdMomentum": ([0.016543153673410416, -0.21251071989536285, -1.8782844543457031, 0.6053012013435364, -0.6393556594848633, 0.07601481676101685], [0.6433135271072388, -0.9209800958633423, 0.39446741342544556]),
        "sgdNesterov": ([0.16578903794288635, -0.5530834794044495, -0.8864426016807556, 0.6595611572265625, -0.5810881853103638, 0.5127694606781006], [0.7348507046699524, -1.1961419582366943, 0.42217040061950684]),
        "adam": ([0.44021740555763245, -1.1900532245635986, 1.9400330781936646, 0.6902543902397156, -0.359486848115921, 1.5400787591934204], [0.9700101017951965, -1.970004916191101, 0.4700213670730591]),
        "adamDecayAmsgrad": ([0.38148313760757446, -1.1303586959838867, 1.8802164793014526, 0.6312687397003174, -0.41547518968582153, 1.4805026054382324], [0.9400674104690552, -1.9400324821472168, 0.4401453137397766]),
        "adamW": ([0.4373869001865387, -1.18272864818573, 1.9282196760177612, 0.6859378218650818, -0.3575633764266968, 1.5306659936904907], [0.9670442342758179, -1.9640419483184814, 0.46855399012565613]),
        "adamWAmsgrad": ([0.23024335503578186, -0.953142523765564, 1.6983665227890015, 0.48641660809516907, -0.5098045468330383, 1.3055192232131958], [0.84995436668396, -1.8477418422698975, 0.35233333706855774]),
    ]

    static let configs: [(String, ([Tensor]) throws -> Optimizer)] = [
        ("sgdPlain", { try SGD(parameters: $0, lr: 0.1) }),
        ("sgdMomentum", { try SGD(parameters: $0, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }),
        ("sgdNesterov", { try SGD(parameters: $0, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4) }),
        ("adam", { try Adam(parameters: $0, lr: 0.01) }),
        ("adamDecayAmsgrad", { try Adam(parameters: $0, lr: 0.02, betas: (0.8, 0.95), eps: 1e-6, weightDecay: 0.1, amsgrad: true) }),
        ("adamW", { try AdamW(parameters: $0, lr: 0.01, weightDecay: 0.1) }),
        ("adamWAmsgrad", { try AdamW(parameters: $0, lr: 0.05, betas: (0.5, 0.9), amsgrad: true) }),
    ]

    func testOptimizerTrajectoriesMatchPyTorch() throws {
        var worst: Float = 0
        for (name, make) in Self.configs {
            let (p, q) = Self.makeParameters()
            let opt = try make([p, q])
            for t in 1...6 {
                opt.zeroGrad()
                Self.setGradients(p, q, step: t)
                try opt.step()
            }
            let (ep, eq) = Self.expected[name]!
            assertClose(p.toArray(), ep, tol: 2e-6, "\(name) p")
            assertClose(q.toArray(), eq, tol: 2e-6, "\(name) q")
            worst = max(worst, zip(p.toArray() + q.toArray(), ep + eq).map { abs($0 - $1) }.max()!)
            // q had a gradient on 3 of the 6 steps: its state counts 3 steps.
            XCTAssertEqual(opt.state[0]?.step, 6, name)
            XCTAssertEqual(opt.state[1]?.step, 3, name)
        }
        print("optimizers vs PyTorch: max abs diff \(worst)")
    }

    func testSkipsParametersWithoutGradientAndBumpsVersion() throws {
        let (p, q) = Self.makeParameters()
        let opt = try Adam(parameters: [p, q], lr: 0.1)
        p.grad = try Tensor(shape: [2, 3], repeating: 1)
        let v = p.storage.version
        try opt.step()
        XCTAssertEqual(q.toArray(), Self.q0)
        XCTAssertNil(opt.state[1])
        XCTAssertEqual(p.storage.version, v + 1)
        opt.zeroGrad()
        XCTAssertNil(p.grad)
    }

    func testRejectsBadParameterLists() throws {
        let (p, _) = Self.makeParameters()
        XCTAssertThrowsError(try SGD(parameters: [], lr: 0.1))
        XCTAssertThrowsError(try SGD(parameters: [p, p], lr: 0.1))
        XCTAssertThrowsError(try SGD(parameters: [try Ops.binary(.mul, p, scalar: 2)], lr: 0.1))
        XCTAssertThrowsError(try SGD(parameters: [try p.transpose(0, 1)], lr: 0.1))
        XCTAssertThrowsError(try SGD(parameters: [p], lr: -1))
        XCTAssertThrowsError(try SGD(parameters: [p], lr: .nan))
        XCTAssertThrowsError(try SGD(parameters: [p], lr: 0.1, nesterov: true))
        XCTAssertThrowsError(try Adam(parameters: [p], betas: (1.0, 0.9)))
        XCTAssertThrowsError(try Adam(parameters: [p], eps: -1))
        XCTAssertThrowsError(try AdamW(parameters: [p], weightDecay: -0.1))
    }

    // MARK: schedules

    static func sgd() -> SGD {
        let w = try! Tensor(shape: [1], repeating: 0)
        return try! SGD(parameters: [w], lr: 0.1, momentum: 0.9)
    }

    static func adam() -> Adam {
        let w = try! Tensor(shape: [1], repeating: 0)
        return try! Adam(parameters: [w], lr: 0.1)
    }

    /// Learning rates (and momenta) after creation and after each step.
    func sequence(_ s: LRScheduler, steps: Int) throws -> ([Double], [Double]) {
        var lrs = [s.optimizer.lr], moms = [s.optimizer.cycledMomentum ?? 0]
        for _ in 0..<steps {
            try s.step()
            lrs.append(s.optimizer.lr)
            moms.append(s.optimizer.cycledMomentum ?? 0)
        }
        return (lrs, moms)
    }

    func assertSequence(_ got: [Double], _ expected: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, what, file: file, line: line)
        let diff = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, 1e-12, "\(what): max diff \(diff)\n got \(got)\n expected \(expected)", file: file, line: line)
    }

    func testSchedulesMatchPyTorch() throws {
        assertSequence(try sequence(StepLR(optimizer: Self.sgd(), stepSize: 3, gamma: 0.5), steps: 12).0,
                       [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625], "StepLR")
        assertSequence(try sequence(MultiStepLR(optimizer: Self.sgd(), milestones: [2, 5, 9], gamma: 0.1), steps: 12).0,
                       [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003], "MultiStepLR")
        // PyTorch's CosineAnnealingLR, including past T_max (it comes back up).
        assertSequence(try sequence(CosineLR(optimizer: Self.sgd(), tMax: 10, etaMin: 0.001), steps: 14).0,
                       [0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742, 0.0657963412215599, 0.0505, 0.03520365877844011, 0.02140463001152259, 0.010453658778440109, 0.0034227024433899004, 0.001, 0.0034227024433899004, 0.01045365877844014, 0.02140463001152267, 0.035203658778440255], "CosineLR")
        // PyTorch's LinearLR(start_factor=0.25, total_iters=4).
        assertSequence(try sequence(WarmupLR(optimizer: Self.sgd(), warmup: 4, startFactor: 0.25), steps: 8).0,
                       [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002, 0.10000000000000002], "WarmupLR")
    }

    func testOneCycleMatchesPyTorchIncludingMomentum() throws {
        let (lr1, m1) = try sequence(OneCycleLR(optimizer: Self.sgd(), maxLR: 0.5, totalSteps: 20), steps: 20)
        assertSequence(lr1, [0.020000000000000018, 0.06583592135001265, 0.18583592135001265, 0.3341640786499874, 0.45416407864998737, 0.5, 0.49373200311754367, 0.47524231600673683, 0.445458088785525, 0.40587282697488153, 0.3584715008956504, 0.30563101096814466, 0.250001, 0.19437098903185537, 0.14153049910434962, 0.09412917302511849, 0.05454391121447502, 0.024759683993263143, 0.006269996882456277, 2e-06, 0.006269996882456277], "OneCycleLR lr")
        assertSequence(m1, [0.95, 0.9404508497187474, 0.9154508497187474, 0.8845491502812526, 0.8595491502812526, 0.85, 0.8512536043909088, 0.854951556604879, 0.8609084258765984, 0.8688255099070633, 0.878305813044122, 0.8888739533021842, 0.8999999999999999, 0.9111260466978157, 0.9216941869558779, 0.9311744900929366, 0.9390915741234015, 0.945048443395121, 0.9487463956090911, 0.95, 0.9487463956090911], "OneCycleLR momentum")

        let (lr2, m2) = try sequence(OneCycleLR(optimizer: Self.adam(), maxLR: 0.01, totalSteps: 15, pctStart: 0.4, anneal: .linear, divFactor: 10, finalDivFactor: 100), steps: 15)
        assertSequence(lr2, [0.001, 0.0028000000000000004, 0.004600000000000001, 0.0064, 0.008200000000000002, 0.010000000000000002, 0.00889, 0.0077800000000000005, 0.006670000000000001, 0.00556, 0.00445, 0.00334, 0.0022299999999999993, 0.0011199999999999995, 9.999999999999593e-06, -0.0011000000000000003], "OneCycleLR linear lr")
        assertSequence(m2, [0.95, 0.9299999999999999, 0.9099999999999999, 0.89, 0.87, 0.85, 0.861111111111111, 0.8722222222222222, 0.8833333333333333, 0.8944444444444444, 0.9055555555555556, 0.9166666666666666, 0.9277777777777777, 0.9388888888888889, 0.95, 0.961111111111111], "OneCycleLR linear beta1")

        let (lr3, m3) = try sequence(OneCycleLR(optimizer: Self.sgd(), maxLR: 0.2, totalSteps: 16, threePhase: true, baseMomentum: 0.8, maxMomentum: 0.9), steps: 16)
        assertSequence(lr3, [0.008000000000000007, 0.038980969123928844, 0.11192761716534391, 0.17975748890205379, 0.19869068512666135, 0.15650702317975299, 0.08043339323448329, 0.01957051988417704, 0.007942469395026694, 0.00731410719311567, 0.006097419411315504, 0.004508420471859616, 0.0028292260440023094, 0.001357965376329031, 0.000355850529843612, 8e-07, 0.0003558505298436116], "OneCycleLR three-phase lr")
        assertSequence(m3, [0.9, 0.8838640785812871, 0.8458710327263834, 0.8105429745301803, 0.8006819348298639, 0.8226525920938788, 0.86227427435704, 0.8939736875603245, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], "OneCycleLR three-phase momentum")
    }

    func testOneCycleRefusesToStepPastTheEnd() throws {
        let s = try OneCycleLR(optimizer: Self.sgd(), maxLR: 0.1, totalSteps: 3)
        for _ in 0..<3 { try s.step() }
        XCTAssertThrowsError(try s.step())
        XCTAssertThrowsError(try OneCycleLR(optimizer: Self.sgd(), maxLR: 0.1, totalSteps: 0))
        XCTAssertThrowsError(try OneCycleLR(optimizer: Self.sgd(), maxLR: 0.1, totalSteps: 10, pctStart: 1.5))
    }

    // MARK: clipping

    static let grads: [[Float]] = [[0.3, -1.2, 2.5, 0.0], [1.7, -0.4], [-2.2, 3.1, 0.9]]

    static func gradParameters() -> [Tensor] {
        grads.map { g in
            let p = try! Tensor(shape: [g.count], repeating: 0)
            p.grad = try! Tensor(shape: [g.count], values: g)
            return p
        }
    }

    func testClipGradNormMatchesPyTorch() throws {
        let cases: [(Double, Double, Double, [Float])] = [
            (1.0, 2.0, 5.107837200164795, [0.0587332621216774, -0.2349330484867096, 0.489443838596344, 0.0, 0.3328218162059784, -0.0783110186457634, -0.4307105839252472, 0.6069103479385376, 0.1761997789144516]),
            (2.5, 1.0, 12.30000114440918, [0.06097560375928879, -0.24390241503715515, 0.5081300139427185, 0.0, 0.34552842378616333, -0.08130080252885818, -0.4471544027328491, 0.6300811767578125, 0.18292680382728577]),
            (1.5, .infinity, 3.0999999046325684, [0.1451612412929535, -0.580644965171814, 1.20967698097229, 0.0, 0.8225803971290588, -0.193548321723938, -1.0645158290863037, 1.4999994039535522, 0.4354837238788605]),
            (3.0, 3.0, 3.990079879760742, [0.22555935382843018, -0.9022374153137207, 1.879661202430725, 0.0, 1.2781696319580078, -0.30074581503868103, -1.6541019678115845, 2.330779790878296, 0.6766780018806458]),
            (100.0, 2.0, 5.107837200164795, [0.30000001192092896, -1.2000000476837158, 2.5, 0.0, 1.7000000476837158, -0.4000000059604645, -2.200000047683716, 3.0999999046325684, 0.8999999761581421]),
        ]
        for (maxNorm, normType, total, clipped) in cases {
            let ps = Self.gradParameters()
            let got = try clipGradNorm(ps, maxNorm: maxNorm, normType: normType)
            XCTAssertEqual(got, total, accuracy: 2e-6 * total, "total norm, max_norm \(maxNorm), norm_type \(normType)")
            assertClose(ps.flatMap { $0.grad!.toArray() }, clipped, tol: 1e-6, "clipped, norm_type \(normType)")
        }
        XCTAssertEqual(try clipGradNorm([Tensor(shape: [2], repeating: 0)], maxNorm: 1), 0)
        XCTAssertThrowsError(try clipGradNorm(Self.gradParameters(), maxNorm: -1))
        XCTAssertThrowsError(try clipGradNorm(Self.gradParameters(), maxNorm: 1, normType: 0))
    }

    func testClipGradValueMatchesPyTorch() throws {
        let ps = Self.gradParameters()
        try clipGradValue(ps, 1.0)
        assertClose(ps.flatMap { $0.grad!.toArray() },
                    [0.30000001192092896, -1.0, 1.0, 0.0, 1.0, -0.4000000059604645, -1.0, 1.0, 0.8999999761581421], tol: 0, "clip_grad_value")
        XCTAssertThrowsError(try clipGradValue(ps, -1))
    }

    func testClippingAnExpandedGradientTouchesEachElementOnce() throws {
        let p = try Tensor(shape: [2, 2], repeating: 0)
        p.grad = try Tensor(shape: [1, 2], values: [3, 4]).expand(to: [2, 2])   // stride 0 on dim 1 (the rows share memory)
        let total = try clipGradNorm([p], maxNorm: 1)
        XCTAssertEqual(total, (50.0).squareRoot(), accuracy: 1e-5)
        let scale = Float(1 / ((50.0).squareRoot() + 1e-6))
        assertClose(p.grad!.toArray(), [3 * scale, 4 * scale, 3 * scale, 4 * scale], tol: 1e-6, "expanded grad")
    }

    /// An optimizer checkpoint whose checksum is fine but whose fields are not: every field is
    /// checked on load, and a refused load changes nothing.
    func testCheckpointFieldsAreValidatedOnLoad() throws {
        func trained() throws -> (Adam, Tensor) {
            let (p, q) = Self.makeParameters()
            let opt = try Adam(parameters: [p, q], lr: 0.01)
            for t in 1...2 { Self.setGradients(p, q, step: t); try opt.step() }
            return (opt, p)
        }
        let (source, _) = try trained()
        let (metadata, tensors) = source.checkpointContents()
        func refused(_ metadata: String, _ tensors: [(String, Tensor)], _ fragment: String,
                     line: UInt = #line) throws {
            let (opt, p) = try trained()
            let before = (p.toArray(), opt.state.map { $0?.step }, opt.lr)
            XCTAssertThrowsError(try opt.restore(from: Checkpoint(kind: "optimizer", metadata: metadata, tensors: tensors)),
                                 line: line) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
            }
            XCTAssertEqual(opt.state.map { $0?.step }, before.1, "state unchanged", line: line)
            XCTAssertEqual(opt.lr, before.2, line: line)
        }
        XCTAssertTrue(metadata.contains("step.1=2\n"), metadata)
        try refused(metadata.replacingOccurrences(of: "step.1=2\n", with: "step.1=9223372036854775807\n"), tensors,
                    "step count 9223372036854775807 of parameter 1 is out of range (at most 9007199254740992)")
        try refused(metadata.replacingOccurrences(of: "step.1=2\n", with: "step.1=2\nstep.1=3\n"), tensors,
                    "the metadata has 'step.1' twice")
        func replacing(_ name: String, _ values: [Float]) -> [(String, Tensor)] {
            tensors.map { $0.0 == name ? ($0.0, try! Tensor(shape: $0.1.shape, values: values)) : $0 }
        }
        try refused(metadata, replacing("1.exp_avg_sq", [0, 0, -1, 0, 0, 0]),
                    "state '1.exp_avg_sq' holds -1.0 at element 3 (it must be a finite number >= 0)")
        try refused(metadata, replacing("2.exp_avg", [0, .nan, 0]),
                    "state '2.exp_avg' holds nan at element 2 (it must be a finite number)")
        // the file as written loads, and training goes on exactly
        let (opt, p) = try trained()
        try opt.restore(from: Checkpoint(kind: "optimizer", metadata: metadata, tensors: tensors))
        XCTAssertEqual(opt.state.map { $0?.step }, [2, 1])
        XCTAssertTrue(p.toArray().allSatisfy { $0.isFinite })
    }

    /// SGD's and Adam's usual loops split a large parameter across the cores; each element is
    /// updated on its own, so one thread and several give the same bits.
    func testALargeParameterSplitAcrossThreadsGivesTheSameBits() throws {
        let saved = currentKernelThreads
        defer { setKernelThreads(saved) }
        let n = 3 * (1 << 15) + 5   // split in two, with uneven halves
        func run(threads: Int, adam: Bool) throws -> [Float] {
            setKernelThreads(threads)
            let p = try Tensor.randn([n], generator: Generator(seed: 1))
            p.requiresGrad = true
            let opt: Optimizer = adam ? try Adam(parameters: [p], lr: 0.01) : try SGD(parameters: [p], lr: 0.1, momentum: 0.9)
            for step in 1...3 {   // SGD's split loop runs from the second step on
                p.grad = try Tensor.randn([n], generator: Generator(seed: UInt64(10 + step)))
                try opt.step()
            }
            return p.toArray()
        }
        for adam in [false, true] {
            XCTAssertEqual(try run(threads: 1, adam: adam).map(\.bitPattern), try run(threads: 2, adam: adam).map(\.bitPattern),
                           adam ? "Adam" : "SGD")
        }
    }
}
