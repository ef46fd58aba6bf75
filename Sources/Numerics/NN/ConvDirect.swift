import CKernels

/// When a convolution runs the direct kernel (`Sources/CKernels/conv_direct.c`) instead of
/// im2col + GEMM, and the calls into it.
extension Conv2d {
    /// The instruction-set path tests force (`LWS_ISA_SCALAR`, `_AVX2`, `_AVX512`), or nil
    /// for the CPU's best, or -1 for im2col + GEMM everywhere.
    nonisolated(unsafe) static var forcedPath: Int32?

    /// The direct kernel's path for a convolution of this geometry, or nil for im2col + GEMM.
    /// The direct kernel takes stride 1 only, and without vector instructions it is slower.
    /// It computes every position of the padded rows and drops the KW - 1 between two output
    /// rows, so it wants outputs at least twice as wide as that (a 7-wide 3x3 output fills 7
    /// of 9 lanes); fewer than 4 output channels leave its tiles of 4 mostly empty (measured
    /// 0.4x on a 32 -> 1 input gradient).
    static func directPath(_ g: ConvGeometry, outChannels: Int) -> Int32? {
        guard g.strideH == 1, g.strideW == 1, outChannels >= 4 else { return nil }
        if let forced = forcedPath { return forced < 0 ? nil : forced }
        let path = lws_conv2d_direct_path()
        guard path != Int32(LWS_ISA_SCALAR), g.outWidth >= 2 * (g.kernelW - 1) else { return nil }
        return path
    }

    /// The direct weight gradient's path, or nil for im2col + GEMM: 3x3, stride 1, output
    /// channels in whole vectors (the CNN's 32, 64 and 128), and at least 4 input channels
    /// (with 1 the gradient's transpose costs more than the products: measured 20 GFLOP/s on
    /// the 1 -> 32 layer). The width does not matter: it runs along output channels.
    static func weightGradientPath(_ g: ConvGeometry, outChannels: Int) -> Int32? {
        guard g.strideH == 1, g.strideW == 1, g.kernelH == 3, g.kernelW == 3, g.channels >= 4 else { return nil }
        let path = forcedPath ?? lws_conv2d_direct_path()
        guard path > Int32(LWS_ISA_SCALAR), outChannels % lws_conv2d_direct_lanes(path) == 0 else { return nil }
        return path
    }
}

extension ConvGeometry {
    /// Floats of scratch the direct kernel needs for one image.
    func directScratch(outChannels: Int) -> Int {
        lws_conv2d_direct_scratch(channels, height, width, padH, padW, outChannels, kernelH)
    }

    /// Floats of scratch the direct weight gradient needs for one image.
    func weightGradientScratch(outChannels: Int) -> Int {
        lws_conv2d_wgrad_scratch(channels, height, width, padH, padW, outChannels)
    }

    /// Adds one image's 3x3 weight gradient, from the image and its output gradient
    /// [O, Ho, Wo], to gwT laid out [C, 9, O].
    func addWeightGradientDirect(_ path: Int32, _ image: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                 outChannels: Int, into gwT: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>) {
        lws_conv2d_wgrad(path, image, channels, height, width, padH, padW, outputGradient, outChannels, gwT, scratch)
    }

    /// One image [C, H, W] through the direct kernel into out [O, Ho, Wo] (stride 1).
    func convolveDirect(_ path: Int32, _ image: UnsafePointer<Float>, weight: UnsafePointer<Float>, outChannels: Int,
                        bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>) {
        lws_conv2d_direct(path, image, channels, height, width, padH, padW, weight, outChannels,
                          kernelH, kernelW, bias, out, scratch)
    }
}
