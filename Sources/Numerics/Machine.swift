import CBLAS
import Foundation

/// What a result was computed on: results of the same seeds differ across CPUs (another
/// instruction set makes OpenBLAS pick other kernels, which round differently), so studies
/// record it (docs/experiment.md, provenance).
public enum Machine {
    /// The value of the first "key : value" line of /proc/cpuinfo for `key`.
    private static let cpuinfo: [Substring] =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n") ?? []
    private static func cpuinfoValue(_ key: String) -> String? {
        guard let line = cpuinfo.first(where: { $0.hasPrefix(key) }), let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The CPU's model name, from /proc/cpuinfo ("AMD EPYC 9R14 96-Core Processor").
    public static let cpuModel: String = cpuinfoValue("model name") ?? "unknown"

    /// The vector instruction sets the CPU has, among those kernels use (in this order).
    public static let instructionSets: [String] = {
        let flags = Set((cpuinfoValue("flags") ?? "").split(separator: " ").map(String.init))
        return ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile"]
            .filter { flags.contains($0) }
    }()

    /// OpenBLAS's build configuration and the kernel family it chose for this CPU
    /// ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64", "SkylakeX").
    public static var blas: (config: String, core: String) {
        (openblas_get_config().map { String(cString: $0) } ?? "unknown",
         openblas_get_corename().map { String(cString: $0) } ?? "unknown")
    }

    /// OpenBLAS's thread count.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// The cores the kernels' worker pools use.
    public static var cores: Int { ProcessInfo_activeCores }

    /// The kernels OpenBLAS should use where it fell back to generic ones: Debian 12's
    /// OpenBLAS (0.3.21) does not know some newer CPUs (a Sapphire Rapids Xeon under a
    /// hypervisor says only "Intel(R) Xeon(R) Processor") and takes the kernels of 2004's
    /// Prescott: sgemm at 17 GFLOP/s where its SkylakeX kernels reach 100 on the same two
    /// cores. "SkylakeX" when the CPU has AVX-512 (F, DQ, BW, VL), "Haswell" when it has AVX2
    /// and FMA, nil when OpenBLAS chose well (or nothing better fits).
    public static var betterBLASCore: String? {
        let generic: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
                                    "Coppermine", "Northwood", "Banias"]
        guard generic.contains(blas.core) else { return nil }
        let isa = Set(instructionSets)
        if isa.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if isa.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
