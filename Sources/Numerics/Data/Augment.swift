/// Image augmentation on Float32 batches [B, C, H, W] (after scaling to [0, 1], before
/// normalisation), each transform applied to a sample with a probability that depends on its
/// class, so harder classes can be augmented more.
public enum Augmentation {
    /// Mirror left-right.
    case flip(probability: [Float])
    /// Pad by `padding` zeros on every side, then crop back to H x W at a random offset
    /// (a random shift of up to `padding` pixels in each direction).
    case crop(padding: Int, probability: [Float])
    /// Add N(0, std^2) to every value.
    case noise(std: Float, probability: [Float])

    public var probability: [Float] {
        switch self {
        case .flip(let p), .crop(_, let p), .noise(_, let p): return p
        }
    }

    public var name: String {
        switch self {
        case .flip: return "flip"
        case .crop: return "crop"
        case .noise: return "noise"
        }
    }

    /// The probability for 0-based class c: one number for all, or one per class.
    func probability(forClass c: Int) -> Float {
        let p = probability
        if p.count == 1 { return p[0] }
        return c < p.count ? p[c] : 0
    }

    /// Checks a pipeline against a batch shape and class count.
    public static func validate(_ list: [Augmentation], shape: [Int], classes: Int) throws {
        for a in list {
            guard shape.count == 4 else {
                throw DataError("\(a.name) augments images [B, C, H, W], got size \(describeShape(shape))")
            }
            let p = a.probability
            guard p.count == 1 || p.count == classes else {
                throw DataError("\(a.name): expected one probability or one per class (\(classes)), got \(p.count)")
            }
        }
    }

    /// Applies every augmentation in order to x (contiguous [B, C, H, W]) in place.
    /// `labels` are the 0-based classes of the B samples (of `classes` classes).
    /// `only`: when given, samples whose entry is false are left as they are (a dataset's
    /// originals, when its copies alone are augmented).
    public static func apply(_ list: [Augmentation], to x: Tensor, labels: [Int], classes: Int,
                             generator: Generator, only: [Bool]? = nil) throws {
        guard !list.isEmpty else { return }
        try validate(list, shape: x.shape, classes: classes)
        guard x.isContiguous else { throw DataError("augmentation needs a contiguous batch") }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard labels.count == b else { throw DataError("expected \(b) labels for \(b) samples, got \(labels.count)") }
        let plane = h * w, size = c * plane
        guard plane > 0 && c > 0 else { return }
        var scratch = [Float](repeating: 0, count: plane)
        for a in list {
            for i in 0..<b {
                // One uniform per (transform, sample) keeps the stream aligned whatever the outcome.
                let u = generator.uniformFloat()
                guard u < a.probability(forClass: labels[i]), only?[i] ?? true else { continue }
                let s = x.pointer + i * size
                switch a {
                case .flip:
                    for ch in 0..<c {
                        for r in 0..<h {
                            let row = s + ch * plane + r * w
                            var lo = 0, hi = w - 1
                            while lo < hi { (row[lo], row[hi]) = (row[hi], row[lo]); lo += 1; hi -= 1 }
                        }
                    }
                case .crop(let pad, _):
                    let dy = generator.below(2 * pad + 1) - pad
                    let dx = generator.below(2 * pad + 1) - pad
                    if dx == 0 && dy == 0 { continue }
                    for ch in 0..<c {
                        let p = s + ch * plane
                        for r in 0..<h {
                            for q in 0..<w {
                                let sr = r + dy, sq = q + dx
                                scratch[r * w + q] = (sr >= 0 && sr < h && sq >= 0 && sq < w) ? p[sr * w + sq] : 0
                            }
                        }
                        scratch.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: plane) }
                    }
                case .noise(let std, _):
                    for k in 0..<size { s[k] += std * Float(generator.normal()) }
                }
            }
        }
    }
}
