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
        // positions shown along each dimension (-1 marks an elision)
        let shownIndices = t.shape.map { indices($0, summarise) }
        let fmt = numberFormat(for: visibleValues(t, shownIndices))
        var lines: [String] = []
        let p = t.pointer, st = t.strides
        if t.rank == 1 {
            for i in shownIndices[0] {
                lines.append(i < 0 ? " ..." : " " + fmt.render(p[i * st[0]]))
            }
        } else {
            // The 2-D slices in row-major order of the leading dimensions, walked with an
            // odometer (no recursion: the depth would grow with the rank).
            let lead = t.rank - 2
            var pos = [Int](repeating: 0, count: lead)
            while true {
                if let e = (0..<lead).first(where: { shownIndices[$0][pos[$0]] < 0 }) {
                    // an elided position of dimension e stands for all its slices: skip them
                    lines.append("...")
                    lines.append("")
                    for k in (e + 1)..<lead { pos[k] = shownIndices[k].count - 1 }
                } else {
                    let prefix = (0..<lead).map { shownIndices[$0][pos[$0]] }
                    if lead > 0 {
                        lines.append("(" + prefix.map { String($0 + 1) }.joined(separator: ",") + ",.,.) = ")
                    }
                    let base = prefix.enumerated().reduce(0) { $0 + $1.element * st[$1.offset] }
                    for r in shownIndices[lead] {
                        if r < 0 { lines.append(" ..."); continue }
                        var line = ""
                        for c in shownIndices[lead + 1] {
                            line += c < 0 ? " ..." : " " + fmt.render(p[base + r * st[lead] + c * st[lead + 1]])
                        }
                        lines.append(line)
                    }
                    if lead > 0 { lines.append("") }
                }
                var k = lead - 1
                while k >= 0 {
                    pos[k] += 1
                    if pos[k] < shownIndices[k].count { break }
                    pos[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            }
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

    /// The values that will be printed (so the shared format fits them, not hidden ones), read
    /// through the strides with an odometer over the shown positions.
    private func visibleValues(_ t: Tensor, _ shownIndices: [[Int]]) -> [Float] {
        let shown = shownIndices.map { $0.filter { $0 >= 0 } }
        var out: [Float] = []
        var pos = [Int](repeating: 0, count: t.rank)
        while true {
            var off = 0
            for d in 0..<t.rank { off += shown[d][pos[d]] * t.strides[d] }
            out.append(t.pointer[off])
            var d = t.rank - 1
            while d >= 0 {
                pos[d] += 1
                if pos[d] < shown[d].count { break }
                pos[d] = 0
                d -= 1
            }
            if d < 0 { return out }
        }
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
