@testable import Numerics
import XCTest

/// The limits that turn impossible requests into errors (issue 12): the allocation guard, the
/// number of dimensions, and the bound on what a compressed file may expand to.
final class LimitTests: XCTestCase {
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testAllocationsPastTheElementLimitThrow() throws {
        XCTAssertEqual(message { try Tensor(uninitializedShape: [100_000, 100_000]) },
                       "cannot allocate 40.0 GB for a 100000x100000 tensor (a tensor holds at most 2147483647 elements)")
        XCTAssertEqual(message { try Tensor(shape: [46341, 46341], repeating: 0) },
                       "cannot allocate 8.6 GB for a 46341x46341 tensor (a tensor holds at most 2147483647 elements)")
        // sizes whose product does not fit in 64 bits: no size in bytes
        XCTAssertEqual(message { try Tensor(uninitializedShape: [Int.max, 2]) },
                       "cannot allocate a 9223372036854775807x2 tensor (a tensor holds at most 2147483647 elements)")
        XCTAssertEqual(message { try TensorStorage(uninitializedShape: [4, 1 << 40], what: "column buffer") },
                       "cannot allocate 17.6 TB for a 4x1099511627776 column buffer (a tensor holds at most 2147483647 elements)")
        XCTAssertEqual(try Tensor.zeros([2, 3]).shape, [2, 3])
    }

    func testAllocationsPastTheMemoryLimitThrow() throws {
        let saved = MemoryGuard.memoryLimit
        defer { MemoryGuard.memoryLimit = saved }
        MemoryGuard.memoryLimit = 1_000_000
        XCTAssertEqual(message { try Tensor(uninitializedShape: [1000, 1000]) },
                       "cannot allocate 4.0 MB for a 1000x1000 tensor (more than the machine's 1.0 MB of memory)")
        XCTAssertEqual(try Tensor.ones([500, 500]).count, 250_000)
        XCTAssertEqual(message { try MemoryGuard.checkTotal(bytes: 2e6, for: "the parameters of a model") },
                       "cannot allocate 2.0 MB for the parameters of a model (more than the machine's 1.0 MB of memory)")
        // the machine's memory is the default
        XCTAssertEqual(saved, MemoryGuard.physicalBytes)
        XCTAssertGreaterThan(saved, 0)
    }

    func testByteSizesInMessages() {
        XCTAssertEqual(MemoryGuard.describeBytes(999), "999 bytes")
        XCTAssertEqual(MemoryGuard.describeBytes(1000), "1.0 kB")
        XCTAssertEqual(MemoryGuard.describeBytes(40e9), "40.0 GB")
        XCTAssertEqual(MemoryGuard.describeBytes(999.96e9), "1.0 TB")
        XCTAssertEqual(MemoryGuard.describeBytes(3e21), "3000.0 EB")
    }

    func testAtMost64Dimensions() throws {
        XCTAssertEqual(message { try Tensor.zeros([Int](repeating: 1, count: 65)) },
                       "a tensor has at most 64 dimensions, got 65")
        XCTAssertEqual(message { try Tensor(uninitializedShape: [Int](repeating: 1, count: 22000)) },
                       "cannot allocate a tensor of 22000 dimensions (a tensor has at most 64)")
        let deep = try Tensor.ones([Int](repeating: 1, count: 64))
        XCTAssertEqual(message { try deep.unsqueeze(0) }, "a tensor has at most 64 dimensions, got 65")
        XCTAssertEqual(message { try Tensor.ones([1]).reshape([Int](repeating: 1, count: 22000)) },
                       "a tensor has at most 64 dimensions, got 22000")
        // printing walks the dimensions without recursion
        XCTAssertTrue(deep.description.hasPrefix("(" + Array(repeating: "1", count: 62).joined(separator: ",") + ",.,.) = \n 1\n"))
    }

    /// Printing reads views through their strides (no packed copy): a transposed view prints
    /// as its packed copy does, summarised or not.
    func testPrintingViewsEqualsPrintingCopies() throws {
        for shape in [[3, 4], [40, 50], [2, 3, 4], [20, 30, 4], [7, 2, 7, 7]] {
            let t = try Tensor.randn(shape, generator: Generator(seed: 5))
            let v = try t.transpose(0, shape.count - 1)
            XCTAssertEqual(v.description, try v.contiguous().description, "\(shape)")
        }
    }

    func testGzipStopsAtTheLimitAndAtTheDeclaredSize() throws {
        let z = try Gzip.compress([UInt8](repeating: 7, count: 1000))
        XCTAssertEqual(message { try Gzip.decompress(z, limit: Gzip.Limit(bytes: 100, reason: "the test allows")) },
                       "the gzip data expands beyond the 100 bytes the test allows")
        XCTAssertEqual(try Gzip.decompress(z, limit: Gzip.Limit(bytes: 1000, reason: "the test allows")).count, 1000)
        // the declared size is read from the first bytes, once there are enough of them
        var calls = 0
        let declared: Gzip.DeclaredSize = { prefix in
            calls += 1
            return prefix.count < 2 ? nil : Gzip.Limit(bytes: Int(prefix[0]) * 10, reason: "the first byte declares")
        }
        XCTAssertEqual(message { try Gzip.decompress(z, declaredSize: declared) },
                       "the gzip data expands beyond the 70 bytes the first byte declares")
        XCTAssertEqual(calls, 1)
        // a header the format refuses is its own error, passed on as it came
        let refusing: Gzip.DeclaredSize = { _ in throw DataError("x.idx is not an IDX file") }
        XCTAssertThrowsError(try Gzip.decompress(z, declaredSize: refusing)) { e in
            XCTAssertEqual("\((e as? Gzip.FormatError)?.underlying ?? e)", "x.idx is not an IDX file")
        }
        XCTAssertEqual(Gzip.defaultLimit.bytes, Int(Int32.max))
    }
}
