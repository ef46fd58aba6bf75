import Foundation

/// Renders tensors the way Torch7 prints them: the values with one shared number format,
/// then `[FloatTensor of size 2x3]`. 1-D tensors print as a column, 3-D and up as 2-D
/// slices headed `(i,.,.) =`. Large tensors are summarised with `...` along long dimensions.
public struct TensorFormatter {
    /// Tensors with more elements than this are summarised.
    public var threshold = 1000
    /// Elements kept at each end of a summarised dimension.
    public var edgeItems = 3

    public init() {}

    public func format(_ t: Tensor) -> String {
        if t.rank == 0 {
            let v = t.pointer[0]
            return "\(numberFormat(for: [v]).render(v))\n[FloatTensor scalar]"
        }
        if t.count == 0 { return "[FloatTensor of size \(describeShape(t.shape))]" }
        let summarise = t.count > threshold
        let shown = visibleValues(t, summarise: summarise)
        let fmt = numberFormat(for: shown)
        var lines: [String] = []
        let c = t.contiguous()
        if t.rank == 1 {
            for i in indices(t.shape[0], summarise) {
                lines.append(i < 0 ? " ..." : " " + fmt.render(c.pointer[i]))
            }
        } else {
            slices(c, prefix: [], summarise: summarise, fmt: fmt, into: &lines)
            if lines.last == "" { lines.removeLast() }
        }
        lines.append("[FloatTensor of size \(describeShape(t.shape))]")
        return lines.joined(separator: "\n")
    }

    /// Positions to show along a dimension of size n; -1 marks the elision.
    private func indices(_ n: Int, _ summarise: Bool) -> [Int] {
        if !summarise || n <= 2 * edgeItems { return Array(0..<n) }
        return Array(0..<edgeItems) + [-1] + Array((n - edgeItems)..<n)
    }

    private func slices(_ t: Tensor, prefix: [Int], summarise: Bool, fmt: NumberFormat, into lines: inout [String]) {
        let depth = prefix.count
        let rest = Array(t.shape[depth...])
        if rest.count == 2 {
            if depth > 0 {
                lines.append("(" + prefix.map { String($0 + 1) }.joined(separator: ",") + ",.,.) = ")
            }
            let base = prefix.enumerated().reduce(0) { $0 + $1.element * t.strides[$1.offset] }
            let cols = indices(rest[1], summarise)
            for r in indices(rest[0], summarise) {
                if r < 0 { lines.append(" ..."); continue }
                var line = ""
                for c in cols {
                    line += c < 0 ? " ..." : " " + fmt.render(t.pointer[base + r * t.strides[depth] + c * t.strides[depth + 1]])
                }
                lines.append(line)
            }
            if depth > 0 { lines.append("") }
            return
        }
        for i in indices(rest[0], summarise) {
            if i < 0 { lines.append("..."); lines.append(""); continue }
            slices(t, prefix: prefix + [i], summarise: summarise, fmt: fmt, into: &lines)
        }
    }

    /// The values that will be printed (so the shared format fits them, not hidden ones).
    private func visibleValues(_ t: Tensor, summarise: Bool) -> [Float] {
        if !summarise { return t.toArray() }
        let c = t.contiguous()
        var out: [Float] = []
        var index = [Int](repeating: 0, count: t.rank)
        func walk(_ d: Int, _ off: Int) {
            if d == t.rank { out.append(c.pointer[off]); return }
            for i in indices(t.shape[d], true) where i >= 0 {
                index[d] = i
                walk(d + 1, off + i * c.strides[d])
            }
        }
        walk(0, 0)
        return out
    }

    struct NumberFormat {
        enum Kind { case integer, fixed, scientific }
        let kind: Kind
        let width: Int

        func raw(_ v: Float) -> String {
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            switch kind {
            case .integer: return String(Int64(v))
            case .fixed: return String(format: "%.4f", Double(v))
            case .scientific: return String(format: "%.4e", Double(v))
            }
        }

        func render(_ v: Float) -> String {
            let s = raw(v)
            return String(repeating: " ", count: max(0, width - s.count)) + s
        }
    }

    func numberFormat(for values: [Float]) -> NumberFormat {
        let finite = values.filter { $0.isFinite }
        let maxAbs = finite.map { abs($0) }.max() ?? 0
        let minAbs = finite.filter { $0 != 0 }.map { abs($0) }.min() ?? 0
        let kind: NumberFormat.Kind
        if finite.allSatisfy({ $0 == $0.rounded() }) && maxAbs < 1e9 {
            kind = .integer
        } else if maxAbs >= 1e5 || (minAbs > 0 && minAbs < 1e-4) {
            kind = .scientific
        } else {
            kind = .fixed
        }
        let probe = NumberFormat(kind: kind, width: 0)
        let width = values.map { probe.raw($0).count }.max() ?? 1
        return NumberFormat(kind: kind, width: width)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { TensorFormatter().format(self) }
}
