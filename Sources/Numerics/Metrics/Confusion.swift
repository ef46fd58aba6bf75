/// Confusion matrices of a C-class classifier. Class labels are 1-based (as on the Lua side):
/// `counts[(t - 1) * C + (p - 1)]` counts the samples of true class t predicted as class p
/// (rows = true class, columns = predicted class, as scikit-learn's `confusion_matrix`).
public enum Confusion {
    /// Checks that `labels` are integer class indices in 1...classes and returns them 0-based.
    /// `what` names the argument in messages ("predictions", "targets").
    public static func classIndices(_ labels: [Double], classes: Int, what: String) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(labels.count)
        for (k, v) in labels.enumerated() {
            guard v.isFinite, v == v.rounded(), v >= 1, v <= Double(classes) else {
                throw TensorError("\(what)[\(k + 1)] is \(describeNumber(v)), expected a class index in 1..\(classes)")
            }
            out.append(Int(v) - 1)
        }
        return out
    }

    /// The largest number of classes a confusion matrix may have (10^8 cells).
    public static let maxClasses = 10_000

    /// The checked pairs (true class, predicted class), both 0-based.
    public static func pairs(predictions: [Double], targets: [Double], classes: Int) throws -> [(t: Int, p: Int)] {
        guard classes >= 1, classes <= maxClasses else {
            throw TensorError("the number of classes must be between 1 and \(maxClasses), got \(classes)")
        }
        guard predictions.count == targets.count else {
            throw TensorError("predictions and targets differ in length (\(predictions.count) and \(targets.count))")
        }
        let p = try classIndices(predictions, classes: classes, what: "predictions")
        let t = try classIndices(targets, classes: classes, what: "targets")
        return (0..<p.count).map { (t[$0], p[$0]) }
    }

    /// A new row-major C x C matrix of counts.
    public static func matrix(predictions: [Double], targets: [Double], classes: Int) throws -> [Float] {
        let pairs = try pairs(predictions: predictions, targets: targets, classes: classes)
        var counts = [Float](repeating: 0, count: classes * classes)
        for (t, p) in pairs { counts[t * classes + p] += 1 }
        return counts
    }

    /// The 1-based index of the largest score in each row of a row-major [N, C] score matrix
    /// (the first one on ties, as argmax in PyTorch and NumPy). NaN scores are an error.
    public static func argmaxRows(_ scores: [Float], rows: Int, columns: Int) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(rows)
        for r in 0..<rows {
            var best = 0
            for c in 0..<columns {
                let v = scores[r * columns + c]
                guard !v.isNaN else { throw TensorError("scores[\(r + 1)][\(c + 1)] is NaN") }
                if v > scores[r * columns + best] { best = c }
            }
            out.append(Double(best + 1))
        }
        return out
    }

    /// Fraction of positions where predictions equal targets (exact comparison).
    public static func accuracy(predictions: [Double], targets: [Double]) throws -> Double {
        guard predictions.count == targets.count else {
            throw TensorError("predictions and targets differ in length (\(predictions.count) and \(targets.count))")
        }
        guard !predictions.isEmpty else { throw TensorError("predictions and targets are empty") }
        var hits = 0
        for i in 0..<predictions.count {
            guard predictions[i].isFinite, targets[i].isFinite else {
                let (what, v) = predictions[i].isFinite ? ("targets", targets[i]) : ("predictions", predictions[i])
                throw TensorError("\(what)[\(i + 1)] is \(describeNumber(v)), expected a class index")
            }
            if predictions[i] == targets[i] { hits += 1 }
        }
        return Double(hits) / Double(predictions.count)
    }
}

