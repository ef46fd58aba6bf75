import CLua
import Foundation
import Numerics

/// ds:batches(size, {shuffle =, seed =, sampler =, augment =, augment_copies =, drop_last =}):
/// an iterator for a generic for, yielding x (Float32 [B, ...]), y (Float32 [B] of 1-based
/// classes), the batch number and, for a dataset with copies (ds:with_copies), which samples
/// are copies (Float32 [B], 1 = copy). Each call of ds:batches is one epoch; the order is fixed when it is called.
enum DatasetBatches {
    static func batches(_ a: LuaArgs) throws -> Int32 {
        let d = try a.dataset(1)
        let size = try a.int(2, "a batch size")
        guard size >= 1 else { throw a.error(2, "batch size must be at least 1, got \(size)") }
        try a.checkOptions(3, ["shuffle", "seed", "sampler", "augment", "augment_copies", "drop_last"])
        let shuffle = try a.optionBool(3, "shuffle") ?? false
        let dropLast = try a.optionBool(3, "drop_last") ?? false
        let generator = try a.generator(seedOption: 3)
        let sampler = try a.withOption(3, "sampler") { idx, _ -> LuaSampler in
            guard let s = toObject(a.L, idx, as: LuaSampler.self) else {
                throw a.error(3, "option 'sampler' must be a Sampler (sample.WeightedRandom), got \(typeNameAt(a.L, idx))")
            }
            return s
        }
        let augs = try a.withOption(3, "augment") { idx, _ in try AugmentModule.list(a, at: idx, argument: 3) } ?? []
        let copyAugs = try a.withOption(3, "augment_copies") { idx, _ in try AugmentModule.list(a, at: idx, argument: 3) } ?? []
        guard d.count > 0 else { throw a.error(1, "empty dataset: nothing to batch") }

        let positions: [Int]
        if let sampler {
            guard !shuffle else { throw a.error(3, "options 'sampler' and 'shuffle' exclude each other (a sampler sets the order)") }
            guard sampler.labels.count == d.count else {
                throw a.error(3, "the sampler was made for a dataset of \(sampler.labels.count) samples, this one has \(d.count)")
            }
            positions = sampler.sampler.draw()
        } else {
            positions = shuffle ? generator.permutation(d.count) : Array(0..<d.count)
        }
        for (key, list) in [("augment", augs), ("augment_copies", copyAugs)] where !list.isEmpty {
            do {
                try Augmentation.validate(list, shape: [1] + d.sampleShape, classes: d.classes.count)
            } catch let e as DataError { throw a.error(3, "option '\(key)': \(e.message)") }
        }
        // Augmentation has its own stream, so adding it leaves the order of samples unchanged.
        let augmentGenerator = Generator(seed: generator.next())
        let plan = BatchPlan(positions: positions, batchSize: size, dropLast: dropLast)
        let augmented = !augs.isEmpty || !copyAugs.isEmpty
        let raw = augmented ? d.withNormalization(nil) : d
        // Batch k+1 is prepared in the background while Lua trains on batch k (BatchPrefetch).
        let prefetch = BatchPrefetch { k in
            let batch = plan.batch(k)
            let x = try raw.inputs(batch)
            if augmented {
                let labels = batch.map { d.label($0) }
                try Augmentation.apply(augs, to: x, labels: labels, classes: d.classes.count, generator: augmentGenerator)
                try Augmentation.apply(copyAugs, to: x, labels: labels, classes: d.classes.count, generator: augmentGenerator,
                                       only: batch.map { d.isCopy($0) })
                d.normalizeInPlace(x)
            }
            return (x, try d.targets(batch))
        }
        prefetch.start(0, count: plan.batchCount)
        var k = 0
        pushFunction(a.L, name: "Dataset:batches") { b in
            guard k < plan.batchCount else { b.pushNil(); return 1 }
            let (x, y) = try prefetch.take(k)
            k += 1
            // after the last batch the maker has nothing more to do
            if k < plan.batchCount { prefetch.start(k, count: plan.batchCount) } else { prefetch.stop() }
            b.push(x)
            b.push(y)
            b.push(k)
            // which samples of the batch are copies (1) and which originals (0)
            guard d.copies != nil else { return 3 }
            b.push(try Tensor(shape: [y.shape[0]], values: plan.batch(k - 1).map { d.isCopy($0) ? Float(1) : 0 }))
            return 4
        }
        // The generic for's closing value (Lua 5.4): a loop left early, by break or by an
        // error (a callback of the user's), stops the maker thread at once instead of when
        // the collector gets to the iterator; scripts that fail in a loop again and again
        // otherwise kept a thread (and its stack) each for a while.
        lua_pushnil(a.L)
        lua_pushnil(a.L)
        lua_createtable(a.L, 0, 0)
        lua_createtable(a.L, 0, 1)
        pushFunction(a.L, name: "Dataset:batches") { _ in prefetch.stop(); return 0 }
        lws_rawsetfield(a.L, -2, "__close")
        lua_setmetatable(a.L, -2)
        return 4
    }
}

/// Makes batch k+1 on a background thread while Lua trains on batch k.
///
/// Measured on 2 cores (MLP epoch, scripts/bench/batching.lua): waking a pool thread for
/// each batch cost as much as gathering in line, because the woken thread preempted Lua's
/// thread on its own core and gathered there. So the maker is one thread of its own under
/// SCHED_BATCH, which Linux never lets preempt on wake-up: it runs when a core is free. When
/// Lua asks for a batch the maker has not begun, Lua's thread makes it itself rather than
/// wait. One batch at a time, in order, either way, so augmentation's random stream gives
/// the same batches.
final class BatchPrefetch {
    private let shared: Shared
    private let make: (Int) throws -> (Tensor, Tensor)

    init(make: @escaping (Int) throws -> (Tensor, Tensor)) {
        self.make = make
        let shared = Shared()
        self.shared = shared
        // The thread holds `shared` and `make`, not self: dropping the iterator stops it.
        let thread = Thread { shared.serve(make) }
        thread.name = "lwscript.batches"
        thread.start()
    }

    deinit { shared.stop() }

    /// Ends the maker thread (later batches, if any, are made on Lua's thread).
    func stop() { shared.stop() }

    func start(_ k: Int, count: Int) {
        guard k < count else { return }
        shared.request(k)
    }

    func take(_ k: Int) throws -> (Tensor, Tensor) {
        if let result = shared.claim(k) { return try result.get() }
        return try make(k)
    }

    private final class Shared: @unchecked Sendable {
        enum Slot {
            case empty
            case queued(Int)
            case making(Int)
            case made(Int, Result<(Tensor, Tensor), Error>)
        }
        private let condition = NSCondition()
        private var slot = Slot.empty
        private var stopped = false

        func request(_ k: Int) {
            condition.lock()
            slot = .queued(k)
            condition.broadcast()
            condition.unlock()
        }

        /// Batch k if the maker made it (waiting while it is making it); nil if Lua's thread
        /// must make it (the maker had not begun, and now will not).
        func claim(_ k: Int) -> Result<(Tensor, Tensor), Error>? {
            condition.lock()
            defer { condition.unlock() }
            while case .making(k) = slot { condition.wait() }
            let current = slot
            slot = .empty
            if case .made(k, let result) = current { return result }
            return nil
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }

        func serve(_ make: (Int) throws -> (Tensor, Tensor)) {
            var batchPolicy = sched_param(sched_priority: 0)
            _ = sched_setscheduler(0, 3 /* SCHED_BATCH: no wake-up preemption */, &batchPolicy)
            condition.lock()
            while !stopped {
                guard case .queued(let k) = slot else { condition.wait(); continue }
                slot = .making(k)
                condition.unlock()
                let result = Result { try make(k) }
                condition.lock()
                slot = .made(k, result)
                condition.broadcast()
            }
            condition.unlock()
        }
    }
}
