import Foundation

/// The kernel's logo, drawn at install time as a PNG (no image files in the repository): a
/// navy disc with a white moon-shaped hole and a small orbiting disc, after Lua's logo.
enum Logo {
    static func png(size: Int) -> Data {
        var rows = Data()
        let navy: (UInt8, UInt8, UInt8) = (0, 0, 128)
        for y in 0..<size {
            rows.append(0)   // filter: none
            for x in 0..<size {
                // 4x4 samples per pixel: smooth edges
                var planet = 0, orbit = 0
                for sy in 0..<4 {
                    for sx in 0..<4 {
                        let u = (Double(x) + (Double(sx) + 0.5) / 4) / Double(size)
                        let v = (Double(y) + (Double(sy) + 0.5) / 4) / Double(size)
                        let inPlanet = hypot(u - 0.44, v - 0.56) < 0.42
                        let inHole = hypot(u - 0.6, v - 0.4) < 0.12
                        if inPlanet && !inHole { planet += 1 }
                        if hypot(u - 0.87, v - 0.13) < 0.1 { orbit += 1 }
                    }
                }
                let alpha = UInt8(min(16, planet + orbit) * 255 / 16)
                rows.append(contentsOf: [navy.0, navy.1, navy.2, alpha])
            }
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var ihdr = Data()
        ihdr.append(bigEndian: UInt32(size))
        ihdr.append(bigEndian: UInt32(size))
        ihdr.append(contentsOf: [8, 6, 0, 0, 0])   // 8 bits, RGBA, deflate, no filter, no interlace
        png.append(chunk: "IHDR", ihdr)
        png.append(chunk: "IDAT", zlibStored(rows))
        png.append(chunk: "IEND", Data())
        return png
    }

    /// A zlib stream of stored (uncompressed) deflate blocks: small logos need no compressor.
    static func zlibStored(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        let bytes = [UInt8](data)
        var offset = 0
        repeat {
            let n = min(65535, bytes.count - offset)
            let last: UInt8 = offset + n == bytes.count ? 1 : 0
            out.append(last)
            out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)])
            out.append(contentsOf: bytes[offset..<offset + n])
            offset += n
        } while offset < bytes.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        out.append(bigEndian: (b << 16) | a)
        return out
    }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}

extension Data {
    mutating func append(bigEndian v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }

    mutating func append(chunk type: String, _ body: Data) {
        append(bigEndian: UInt32(body.count))
        var typed = Data(type.utf8)
        typed.append(body)
        append(typed)
        append(bigEndian: Logo.crc32(typed))
    }
}
