import COpenSSL
import Foundation

/// HMAC-SHA256 signatures of Jupyter messages (OpenSSL's libcrypto): the hex digest of
/// header, parent header, metadata and content, keyed with the connection file's `key`.
/// An empty key means messages are not signed (and the signature frame is empty).
public struct Signer: Sendable {
    public let key: [UInt8]

    public init(key: String) { self.key = Array(key.utf8) }

    public var signs: Bool { !key.isEmpty }

    /// The lowercase hex HMAC-SHA256 of `parts` concatenated ("" without a key).
    public func signature(_ parts: [Data]) -> String {
        guard signs else { return "" }
        var data = Data()
        for p in parts { data.append(p) }
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBytes { buf in
            key.withUnsafeBytes { k in
                lws_hmac_sha256(k.baseAddress, k.count, buf.bindMemory(to: UInt8.self).baseAddress, buf.count, &out)
            }
        }
        guard ok == 1 else { return "" }
        return out.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is the one of `parts` (compared in constant time).
    public func verify(_ given: Data, _ parts: [Data]) -> Bool {
        guard signs else { return true }
        let expected = Array(signature(parts).utf8)
        guard given.count == expected.count, !expected.isEmpty else { return false }
        return given.withUnsafeBytes { s in
            lws_equal_constant_time(s.baseAddress, expected, expected.count) == 1
        }
    }
}
