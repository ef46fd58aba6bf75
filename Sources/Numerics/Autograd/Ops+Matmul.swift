/// Matrix products and their gradients: for C = A B, dA = dC B^T and dB = A^T dC.
extension Ops {
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try a.matmul(b)
        guard GradMode.isEnabled && (a.requiresGrad || b.requiresGrad) else { return out }
        return out.recordingGradient("matmul", inputs: [a, b]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            switch (a.rank, b.rank) {
            case (2, 2), (3, 3):
                let last = a.rank - 1
                if a.requiresGrad { ga = try g.matmul(b.transpose(last - 1, last)) }
                if b.requiresGrad { gb = try a.transpose(last - 1, last).matmul(g) }
            case (3, 2):
                if a.requiresGrad { ga = try g.matmul(b.transpose(0, 1)) }
                if b.requiresGrad {
                    let (bs, m, k) = (a.shape[0], a.shape[1], a.shape[2])
                    gb = try a.reshape([bs * m, k]).transpose(0, 1).matmul(g.reshape([bs * m, b.shape[1]]))
                }
            case (2, 1):
                if a.requiresGrad { ga = try g.reshape([a.shape[0], 1]).matmul(b.reshape([1, b.shape[0]])) }
                if b.requiresGrad { gb = try a.transpose(0, 1).matmul(g) }
            case (1, 2):
                if a.requiresGrad { ga = try b.matmul(g) }
                if b.requiresGrad { gb = try a.reshape([a.shape[0], 1]).matmul(g.reshape([1, g.shape[0]])) }
            case (1, 1):
                let gv = try g.item()
                if a.requiresGrad { ga = try b.binary(.mul, scalar: gv) }
                if b.requiresGrad { gb = try a.binary(.mul, scalar: gv) }
            default:
                break
            }
            return [ga, gb]
        }
    }
}
