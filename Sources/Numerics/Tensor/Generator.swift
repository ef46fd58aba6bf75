import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through splitmix64).
///
/// Every random draw in lwscript (initialisation, shuffling, dropout, augmentation, sampling)
/// comes from a `Generator`, so one seed gives the same numbers on the same machine.
public final class Generator {
    private var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var spareNormal: Double? = nil
    public private(set) var seed: UInt64 = 0

    /// The process-wide generator behind `tensor.seed(n)`.
    nonisolated(unsafe) public static let shared = Generator(seed: 0x5EED)

    public init(seed: UInt64) { reseed(seed) }

    /// Everything the next draws depend on: the four state words, the spare normal value of
    /// the last Box-Muller pair, and the seed `tensor.seed()` reports.
    public struct State: Equatable, Sendable {
        public var words: [UInt64]
        public var spareNormal: Double?
        public var seed: UInt64

        public init(words: [UInt64], spareNormal: Double?, seed: UInt64) {
            self.words = words
            self.spareNormal = spareNormal
            self.seed = seed
        }
    }

    /// The whole state: assigning a state saved earlier makes the next draws repeat the
    /// draws that followed the save (reseeding only repeats those after the seed). A state
    /// whose `words` are not four words, or all zero, is ignored.
    public var state: State {
        get { State(words: [s.0, s.1, s.2, s.3], spareNormal: spareNormal, seed: seed) }
        set {
            let w = newValue.words
            guard w.count == 4, w.contains(where: { $0 != 0 }) else { return }
            s = (w[0], w[1], w[2], w[3])
            spareNormal = newValue.spareNormal
            seed = newValue.seed
        }
    }

    public func reseed(_ seed: UInt64) {
        self.seed = seed
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
        spareNormal = nil
    }

    @inline(__always) public func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always) public func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1) as Float32 (24 random bits, never rounds up to 1).
    @inline(__always) public func uniformFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform integer in 0..<n (n > 0), without modulo bias (Lemire's method).
    public func below(_ n: Int) -> Int {
        precondition(n > 0, "Generator.below: n must be positive")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
    public func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniform()
        while u1 <= Double.leastNormalMagnitude { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * Foundation.sin(theta)
        return r * Foundation.cos(theta)
    }

    /// Fisher-Yates shuffle of 0..<n.
    public func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, below(i + 1)) }
        }
        return p
    }
}
