import CKernels

/// When a convolution runs the direct kernel (`Sources/CKernels/conv_direct.c`) instead of
/// im2col + GEMM, and the calls into it.
extension Conv2d {
    /// The instruction-set path tests force (`LWS_CONV_SCALAR`, `_AVX2`, `_AVX512`), or nil
    /// for the CPU's best, or -1 for im2col + GEMM everywhere.
    nonisolated(unsafe) static var forcedPath: Int32?

    /// The direct kernel's path for a convolution of this geometry, or nil for im2col + GEMM.
    /// The direct kernel takes stride 1 only; without vector instructions it is slower, and
    /// so it is when most lanes of a row's vectors would be idle (a 7-wide output fills 7 of
    /// AVX-512's 16: measured 0.8x im2col + GEMM on the CNN's 64->128 layer at 7x7).
    /// Fewer than 4 output channels leave the kernel's tiles of 4 mostly empty (measured
    /// 0.4x on a 32 -> 1 input gradient).
    static func directPath(_ g: ConvGeometry, outChannels: Int) -> Int32? {
        guard g.strideH == 1, g.strideW == 1, outChannels >= 4 else { return nil }
        if let forced = forcedPath { return forced < 0 ? nil : forced }
        let path = lws_conv2d_direct_path()
        let lanes = path == Int32(LWS_CONV_AVX512) ? 16 : 8
        let vectors = (g.outWidth + lanes - 1) / lanes
        guard path != Int32(LWS_CONV_SCALAR), 4 * g.outWidth >= 3 * vectors * lanes else { return nil }
        return path
    }

    /// The direct weight gradient's path, or nil for im2col + GEMM: 3x3, stride 1, output
    /// channels in whole vectors (the CNN's 32, 64 and 128), and at least 4 input channels
    /// (with 1 the gradient's transpose costs more than the products: measured 20 GFLOP/s on
    /// the 1 -> 32 layer).
    static func weightGradientPath(_ g: ConvGeometry, outChannels: Int) -> Int32? {
        guard g.kernelH == 3, g.kernelW == 3, g.channels >= 4,
              let path = directPath(g, outChannels: outChannels),
              outChannels % lws_conv2d_direct_lanes(path) == 0 else { return nil }
        return path
    }
}

extension ConvGeometry {
    /// Floats of scratch the direct kernel needs for one image.
    var directScratch: Int { lws_conv2d_direct_scratch(channels, height, width, padH, padW) }

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
