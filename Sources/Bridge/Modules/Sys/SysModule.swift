import Foundation
import Numerics

/// The Lua module `sys`: wall-clock time and machine settings that scripts and benchmarks need.
enum SysModule {
    static let module = LuaModule(name: "sys", functions: [
        // Monotonic wall-clock seconds (os.clock is CPU time, summed over threads).
        ("clock", { a in a.push(Double(DispatchTime.now().uptimeNanoseconds) / 1e9); return 1 }),
        // sys.threads(n) sets the OpenBLAS thread count; sys.threads() reads the core count.
        ("threads", { a in
            if a.isNoneOrNil(1) {
                a.push(ProcessInfo.processInfo.activeProcessorCount)
                return 1
            }
            let n = try a.int(1, "a thread count")
            guard n >= 1 && n <= 256 else { throw a.error(1, "thread count must be between 1 and 256, got \(n)") }
            setBLASThreads(n)
            return 0
        }),
        ("getenv", { a in
            if let v = ProcessInfo.processInfo.environment[try a.string(1, "a variable name")] { a.push(v) } else { a.pushNil() }
            return 1
        }),
    ])
}
