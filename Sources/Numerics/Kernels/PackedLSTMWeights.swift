import CKernels

/// An LSTM layer's W_ih and W_hh packed once per pass for lwscript's fused step
/// (Sources/CKernels/lstm_step.c): each step's two products and its cell in one pass, the four
/// gates of 16 hidden units per tile of sums. Why: as two products and a gate pass, a step
/// wrote its gates to L2 and read them back twice, after copying the bias into them. Fused,
/// ConvLSTM evaluation ran 1.06-1.08x faster at batches 32, 128 and 512 and training 1.02x
/// (Xeon, AVX-512; alternating binaries, medians of 7). The same bits as before.
struct PackedLSTMWeights {
    let inputs: Int, hidden: Int
    private let wih: Tensor, whh: Tensor

    /// Whether the fused step runs here: AVX-512 (lws_kernels_avx512) and H a multiple of 16.
    static func applies(hidden: Int) -> Bool {
        hidden % 16 == 0 && lws_kernels_avx512() != 0
    }

    /// wih [4H, I] and whh [4H, H], contiguous, in PyTorch's layout.
    init(wih: UnsafePointer<Float>, whh: UnsafePointer<Float>, inputs: Int, hidden: Int) throws {
        (self.inputs, self.hidden) = (inputs, hidden)
        self.wih = try Tensor(uninitializedShape: [4 * hidden * inputs])
        self.whh = try Tensor(uninitializedShape: [4 * hidden * hidden])
        lws_lstm_pack(inputs, hidden, wih, self.wih.pointer)
        lws_lstm_pack(hidden, hidden, whh, self.whh.pointer)
    }

    /// One step of `count` sequences (lws_lstm_step_forward): x rows xStride apart; hPrev and
    /// cPrev nil at the first step; the state rows (hPrev, cPrev, c, tanhC, h) stateStride
    /// apart; the gate activations written to `act` (rows actStride apart) when it is given.
    func step(count: Int, x: UnsafePointer<Float>, xStride: Int, hPrev: UnsafePointer<Float>?,
              bias: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>,
              tanhC: UnsafeMutablePointer<Float>?, h: UnsafeMutablePointer<Float>, stateStride: Int,
              act: UnsafeMutablePointer<Float>?, actStride: Int) {
        lws_lstm_step_forward(lws_isa_best(), count, hidden, inputs, x, xStride, wih.pointer, hPrev, whh.pointer, bias,
                              cPrev, c, tanhC, h, stateStride, act, actStride)
    }
}
