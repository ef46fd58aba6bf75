/// Shape operations. Dimensions and indices are 0-based here; the Lua bridge converts from
/// Lua's 1-based convention.
extension Tensor {
    /// Resolves a possibly negative dimension (-1 is the last) and checks its range.
    public func normalizeDim(_ dim: Int) throws -> Int {
        let d = dim < 0 ? dim + rank : dim
        guard d >= 0 && d < rank else {
            throw TensorError("dimension \(dim + 1) out of range for a \(rank)-dimensional tensor")
        }
        return d
    }

    /// Same values with another shape; one size may be -1 (inferred). A view when the data is
    /// packed, else a copy.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        var shape = newShape
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard inferred.count <= 1 else { throw TensorError("only one size may be -1, got \(describeShape(newShape))") }
        guard shape.allSatisfy({ $0 >= -1 }) else { throw TensorError("invalid size in \(describeShape(newShape))") }
        if let i = inferred.first {
            let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError("cannot reshape a tensor of size \(describeShape(self.shape)) (\(count) elements) into \(describeShape(newShape))")
            }
            shape[i] = count / known
        }
        try Tensor.validateShape(shape)
        guard shape.reduce(1, *) == count else {
            throw TensorError("cannot reshape a tensor of size \(describeShape(self.shape)) (\(count) elements) into \(describeShape(newShape))")
        }
        let base = try contiguous()
        return Tensor(storage: base.storage, shape: shape, strides: Tensor.contiguousStrides(shape), offset: base.offset)
    }

    /// Swaps two dimensions (a view).
    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor {
        let a = try normalizeDim(d0), b = try normalizeDim(d1)
        var shape = self.shape, strides = self.strides
        shape.swapAt(a, b)
        strides.swapAt(a, b)
        return Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Reorders all dimensions (a view): `order[i]` is the old dimension placed at i.
    public func permute(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, Set(order).count == rank else {
            throw TensorError("expected each of the \(rank) dimensions once, got \(order.map { String($0 + 1) }.joined(separator: ", "))")
        }
        let dims = try order.map { try normalizeDim($0) }
        return Tensor(storage: storage, shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, offset: offset)
    }

    /// Elements `start ..< start+length` along `dim` (a view).
    public func narrow(_ dim: Int, _ start: Int, _ length: Int) throws -> Tensor {
        let d = try normalizeDim(dim)
        guard start >= 0, length >= 0, start + length <= shape[d] else {
            throw TensorError("range \(start + 1)..\(start + length) out of bounds for dimension \(d + 1) of size \(shape[d])")
        }
        var shape = self.shape
        shape[d] = length
        return Tensor(storage: storage, shape: shape, strides: strides, offset: offset + start * strides[d])
    }

    /// The slice at `index` along `dim`, with that dimension removed (a view).
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        let d = try normalizeDim(dim)
        guard index >= 0 && index < shape[d] else {
            throw TensorError("index \(index + 1) out of range for dimension \(d + 1) of size \(shape[d])")
        }
        var shape = self.shape, strides = self.strides
        shape.remove(at: d)
        strides.remove(at: d)
        return Tensor(storage: storage, shape: shape, strides: strides, offset: offset + index * self.strides[d])
    }

    /// Inserts a dimension of size 1 at `dim` (0...rank).
    public func unsqueeze(_ dim: Int) throws -> Tensor {
        let d = dim < 0 ? dim + rank + 1 : dim
        guard d >= 0 && d <= rank else { throw TensorError("dimension \(dim + 1) out of range for unsqueeze of a \(rank)-dimensional tensor") }
        try Tensor.checkRank(rank + 1)
        var shape = self.shape, strides = self.strides
        shape.insert(1, at: d)
        strides.insert(d < rank ? self.strides[d] * self.shape[d] : 1, at: d)
        return Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Removes dimensions of size 1 (all of them, or only `dim`).
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        if let dim {
            let d = try normalizeDim(dim)
            guard shape[d] == 1 else { return self }
            var shape = self.shape, strides = self.strides
            shape.remove(at: d)
            strides.remove(at: d)
            return Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
        }
        let keep = shape.indices.filter { shape[$0] != 1 }
        return Tensor(storage: storage, shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] }, offset: offset)
    }

    /// A broadcast view with the given shape (stride 0 along expanded dimensions).
    public func expand(to target: [Int]) throws -> Tensor {
        guard target.count >= rank else {
            throw TensorError("cannot expand size \(describeShape(shape)) to \(describeShape(target))")
        }
        let lead = target.count - rank
        var strides = [Int](repeating: 0, count: target.count)
        for d in 0..<target.count {
            if d < lead { continue }
            let s = shape[d - lead]
            if s == target[d] { strides[d] = self.strides[d - lead] }
            else if s == 1 { strides[d] = 0 }
            else { throw TensorError("cannot expand size \(describeShape(shape)) to \(describeShape(target))") }
        }
        return Tensor(storage: storage, shape: target, strides: strides, offset: offset)
    }

    /// Concatenates tensors along `dim`; all other sizes must agree.
    public static func cat(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("expected at least one tensor") }
        let d = try first.normalizeDim(dim)
        var total = 0
        for (i, t) in tensors.enumerated() {
            guard t.rank == first.rank,
                  (0..<t.rank).allSatisfy({ $0 == d || t.shape[$0] == first.shape[$0] }) else {
                throw TensorError("tensor \(i + 1) has size \(describeShape(t.shape)), expected \(describeShape(first.shape)) except along dimension \(d + 1)")
            }
            total += t.shape[d]
        }
        var shape = first.shape
        shape[d] = total
        let out = try Tensor(uninitializedShape: shape)
        var start = 0
        for t in tensors {
            let slot = try out.narrow(d, start, t.shape[d])
            try slot.copy(from: t)
            start += t.shape[d]
        }
        return out
    }

    /// Copies values from a tensor of the same number of elements into this view, in row-major
    /// order. Callers check sizes. A source that shares memory with this view (`a:copy(a:t())`)
    /// is read whole, through a temporary copy, before anything is written.
    public func copy(from source: Tensor) throws {
        let src = mayOverlap(source) ? try source.clone() : source
        if isContiguous {
            copyStrided(from: src, into: pointer)
            return
        }
        let packed = try src.contiguous()
        var i = 0
        forEachRow(shape: shape, strides: [strides]) { offsets, n, _ in
            let dst = pointer + offsets[0]
            let s = strides.last ?? 1
            for j in 0..<n { dst[j * s] = packed.pointer[i + j] }
            i += n
        }
    }

    /// Whether this view and `other` may share an element: the same storage and overlapping
    /// ranges of memory. An in-place write into this view that reads `other` as it goes must
    /// read a copy of it then.
    public func mayOverlap(_ other: Tensor) -> Bool {
        guard storage === other.storage, count > 0, other.count > 0 else { return false }
        let a = storageSpan, b = other.storageSpan
        return a.lowerBound <= b.upperBound && b.lowerBound <= a.upperBound
    }

    /// The storage offsets of the first and the last element this view reaches.
    var storageSpan: ClosedRange<Int> {
        var lo = offset, hi = offset
        for (size, stride) in zip(shape, strides) where size > 1 {
            if stride >= 0 { hi += (size - 1) * stride } else { lo += (size - 1) * stride }
        }
        return lo...hi
    }

    /// Sets every element of this view to `value`.
    public func fill(_ value: Float) {
        forEachRow(shape: shape, strides: [strides]) { offsets, n, _ in
            let dst = pointer + offsets[0]
            let s = strides.last ?? 1
            for j in 0..<n { dst[j * s] = value }
        }
    }
}
