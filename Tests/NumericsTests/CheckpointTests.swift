@testable import Numerics
import Foundation
import XCTest

/// The checkpoint container: round trips, the documented byte layout, and every kind of
/// damage (truncation at every length, every single-bit flip, wrong magic, unknown version,
/// shape/data mismatch, trailing bytes) giving an error rather than tensors.
final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lwscript-ckpt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func sample() throws -> [(String, Tensor)] {
        [("weight", try Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-30, -7])),
         ("bias", try Tensor(shape: [3], values: [0.25, .infinity, -0.0])),
         ("scalar", Tensor(scalar: 42)),
         ("empty", try Tensor(shape: [0, 4], repeating: 0))]
    }

    func assertSame(_ a: [(String, Tensor)], _ b: [(String, Tensor)], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.0), b.map(\.0), file: file, line: line)
        for ((_, x), (name, y)) in zip(a, b) {
            XCTAssertEqual(x.shape, y.shape, name, file: file, line: line)
            XCTAssertEqual(x.toArray().map(\.bitPattern), y.toArray().map(\.bitPattern), name, file: file, line: line)
        }
    }

    func testRoundTripKeepsKindMetadataNamesShapesAndBits() throws {
        let tensors = try Self.sample()
        try Checkpoint.write(to: path("a.ckpt"), kind: "model", metadata: "epoch=3\nnote=ünïcode ✓", tensors: tensors)
        let c = try Checkpoint.read(from: path("a.ckpt"))
        XCTAssertEqual(c.kind, "model")
        XCTAssertEqual(c.metadata, "epoch=3\nnote=ünïcode ✓")
        assertSame(c.tensors, tensors)
        XCTAssertEqual(c.tensor(named: "bias")?.shape, [3])
        // No temporary file is left next to it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["a.ckpt"])
        // Overwriting replaces the file.
        try Checkpoint.write(to: path("a.ckpt"), kind: "tensors", metadata: "", tensors: [])
        let d = try Checkpoint.read(from: path("a.ckpt"))
        XCTAssertEqual(d.kind, "tensors")
        XCTAssertEqual(d.metadata, "")
        XCTAssertTrue(d.tensors.isEmpty)
    }

    func testNonContiguousTensorsAreWrittenInLogicalOrder() throws {
        let m = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let t = try m.transpose(0, 1)
        let c = try Checkpoint.decode(Checkpoint.encode(kind: "tensors", metadata: "", tensors: [("t", t)]))
        XCTAssertEqual(c.tensors[0].1.shape, [3, 2])
        XCTAssertEqual(c.tensors[0].1.toArray(), [1, 4, 2, 5, 3, 6])
    }

    /// The layout of docs/checkpoint-format.md, byte by byte, for one small file.
    func testByteLayoutIsTheDocumentedOne() throws {
        let bytes = try Checkpoint.encode(kind: "tensors", metadata: "hi",
                                          tensors: [("w", try Tensor(shape: [2], values: [1, -2]))])
        let expected: [UInt8] = [0x89, 0x4C, 0x57, 0x53, 0x43, 0x4B, 0x0D, 0x0A,   // magic
                                 1, 0, 0, 0,                                         // version 1
                                 7, 0, 0, 0] + Array("tensors".utf8) +               // kind
                                [2, 0, 0, 0, 0, 0, 0, 0] + Array("hi".utf8) +        // metadata
                                [1, 0, 0, 0, 0, 0, 0, 0] +                           // 1 entry
                                [1, 0, 0, 0] + Array("w".utf8) +                     // name
                                [1, 0, 0, 0] +                                       // dtype float32
                                [1, 0, 0, 0] + [2, 0, 0, 0, 0, 0, 0, 0] +            // rank 1, size 2
                                [8, 0, 0, 0, 0, 0, 0, 0] +                           // 8 data bytes
                                [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]     // 1.0, -2.0
        XCTAssertEqual(Array(bytes.dropLast(4)), expected)
        let crc = UInt32(bytes[bytes.count - 4]) | UInt32(bytes[bytes.count - 3]) << 8
            | UInt32(bytes[bytes.count - 2]) << 16 | UInt32(bytes[bytes.count - 1]) << 24
        XCTAssertEqual(crc, Checkpoint.crc(expected[...]))
        // zlib's CRC-32 of "123456789" is the standard check value.
        XCTAssertEqual(Checkpoint.crc(Array("123456789".utf8)[...]), 0xCBF43926)
    }

    func error(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Checkpoint.decode(bytes)
            return nil
        } catch let e as CheckpointError {
            return e.message
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    func testEveryTruncationIsAnError() throws {
        let bytes = try Checkpoint.encode(kind: "model", metadata: "m", tensors: Self.sample())
        for n in 0..<bytes.count {
            let message = error(Array(bytes[0..<n]))
            XCTAssertNotNil(message, "a file cut to \(n) of \(bytes.count) bytes was accepted")
            if let message, n > 0 { XCTAssertTrue(message.contains("truncated"), "cut to \(n): \(message)") }
        }
    }

    func testEverySingleBitFlipIsAnError() throws {
        let bytes = try Checkpoint.encode(kind: "model", metadata: "m", tensors: Self.sample())
        for i in 0..<bytes.count {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[i] ^= UInt8(1 << bit)
                XCTAssertNotNil(error(damaged), "flipping bit \(bit) of byte \(i) went unnoticed")
            }
        }
    }

    func testForeignFilesAndVersionsAreNamed() throws {
        var bytes = try Checkpoint.encode(kind: "tensors", metadata: "", tensors: Self.sample())
        XCTAssertTrue(error(Array("PK\u{3}\u{4} a zip file, not a checkpoint".utf8))!.contains("not an lwscript checkpoint"))
        XCTAssertTrue(error([])!.contains("truncated"))
        bytes[8] = 2   // version 2
        XCTAssertTrue(error(bytes)!.contains("unsupported checkpoint format version 2"))
    }

    /// Re-signs damaged bytes, so the structural checks (not the checksum) must catch them.
    func resigned(_ body: [UInt8]) -> [UInt8] {
        var out = body
        Checkpoint.appendLE(&out, Checkpoint.crc(body[...]))
        return out
    }

    func testShapeDataMismatchAndTrailingBytesAreNamedEvenWithAValidChecksum() throws {
        let bytes = try Checkpoint.encode(kind: "tensors", metadata: "hi",
                                          tensors: [("w", try Tensor(shape: [2], values: [1, -2]))])
        var body = Array(bytes.dropLast(4))
        // The data byte count (8) sits 16 bytes before the end of the body.
        body[body.count - 16] = 4
        XCTAssertTrue(error(resigned(body))!.contains("needs 8 bytes of data, the entry holds 4"), error(resigned(body))!)
        // A bigger size than the data present.
        body = Array(bytes.dropLast(4))
        body[body.count - 24] = 3   // size of dimension 1: 3 instead of 2
        XCTAssertTrue(error(resigned(body))!.contains("needs 12 bytes of data"), error(resigned(body))!)
        // Bytes after the last entry.
        body = Array(bytes.dropLast(4)) + [0, 0, 0, 0]
        XCTAssertTrue(error(resigned(body))!.contains("unexpected bytes"), error(resigned(body))!)
        // A huge entry count does not allocate: it is reported.
        body = Array(bytes.dropLast(4))
        let countAt = 8 + 4 + 4 + 7 + 8 + 2
        for k in 0..<8 { body[countAt + k] = 0xFF }
        XCTAssertTrue(error(resigned(body))!.contains("entries cannot fit"), error(resigned(body))!)
        // Invalid UTF-8 in a name.
        body = Array(bytes.dropLast(4))
        body[countAt + 8 + 4] = 0xFF
        XCTAssertTrue(error(resigned(body))!.contains("not valid UTF-8"), error(resigned(body))!)
    }

    func testChecksumMismatchIsNamed() throws {
        var bytes = try Checkpoint.encode(kind: "tensors", metadata: "", tensors: Self.sample())
        bytes[bytes.count - 8] ^= 0x40   // inside the data of the last tensor... or its header
        let message = error(bytes)!
        XCTAssertTrue(message.contains("checksum mismatch") || message.contains("corrupted"), message)
        var data = try Checkpoint.encode(kind: "tensors", metadata: "", tensors: [("w", Tensor(shape: [4], repeating: 1))])
        data[data.count - 6] ^= 0x01   // a data byte
        XCTAssertTrue(error(data)!.contains("checksum mismatch"))
    }

    func testWriteErrorsAndBadNames() throws {
        XCTAssertThrowsError(try Checkpoint.write(to: path("missing/dir/x.ckpt"), kind: "tensors", metadata: "", tensors: []))
        XCTAssertThrowsError(try Checkpoint.read(from: path("nothing.ckpt")))
        XCTAssertThrowsError(try Checkpoint.read(from: directory.path))   // a directory
        let t = try Tensor(shape: [1], repeating: 0)
        XCTAssertThrowsError(try Checkpoint.encode(kind: "tensors", metadata: "", tensors: [("a", t), ("a", t)]))
        XCTAssertThrowsError(try Checkpoint.encode(kind: "tensors", metadata: "", tensors: [("", t)]))
        // A failed read names the file.
        XCTAssertTrue(FileManager.default.createFile(atPath: path("junk.ckpt"), contents: Data("hello".utf8)))
        XCTAssertThrowsError(try Checkpoint.read(from: path("junk.ckpt"))) { e in
            XCTAssertTrue("\(e)".contains("junk.ckpt: not an lwscript checkpoint"), "\(e)")
        }
    }

    // MARK: optimizer state

    func testOptimizerSaveLoadResumesTheSameTrajectory() throws {
        for (name, make) in OptimTests.configs {
            // Reference: 6 uninterrupted steps.
            let (p, q) = OptimTests.makeParameters()
            let opt = try make([p, q])
            var saved: (Tensor, Tensor)? = nil
            for t in 1...6 {
                opt.zeroGrad()
                OptimTests.setGradients(p, q, step: t)
                try opt.step()
                if t == 3 {
                    try opt.save(to: path("\(name).ckpt"))
                    saved = (try p.clone(), try q.clone())
                }
            }
            // Resume: fresh parameters with the step-3 values, a fresh optimizer with other
            // hyper-parameters, state loaded from the file, 3 more steps.
            let (p2, q2) = (saved!.0, saved!.1)
            p2.requiresGrad = true
            q2.requiresGrad = true
            let opt2 = try make([p2, q2])
            opt2.lr = 123
            try opt2.load(from: path("\(name).ckpt"))
            XCTAssertEqual(opt2.lr, opt.lr, name)
            for t in 4...6 {
                opt2.zeroGrad()
                OptimTests.setGradients(p2, q2, step: t)
                try opt2.step()
            }
            XCTAssertEqual(p2.toArray(), p.toArray(), name)
            XCTAssertEqual(q2.toArray(), q.toArray(), name)
        }
    }

    func testOptimizerLoadChecksTypeCountShapesAndChangesNothingOnError() throws {
        let (p, q) = OptimTests.makeParameters()
        let adam = try Adam(parameters: [p, q], lr: 0.01)
        p.grad = try Tensor(shape: [2, 3], repeating: 1)
        try adam.step()
        try adam.save(to: path("adam.ckpt"))

        let sgd = try SGD(parameters: [p, q], lr: 0.5)
        XCTAssertThrowsError(try sgd.load(from: path("adam.ckpt"))) { e in
            XCTAssertTrue("\(e)".contains("holds Adam state, this optimizer is SGD"), "\(e)")
        }
        XCTAssertEqual(sgd.lr, 0.5)
        let fewer = try Adam(parameters: [p], lr: 0.5)
        XCTAssertThrowsError(try fewer.load(from: path("adam.ckpt"))) { e in
            XCTAssertTrue("\(e)".contains("for 2 parameter tensors, this optimizer has 1"), "\(e)")
        }
        let other = try Adam(parameters: [Tensor(shape: [6], repeating: 0), q], lr: 0.5)
        XCTAssertThrowsError(try other.load(from: path("adam.ckpt"))) { e in
            XCTAssertTrue("\(e)".contains("parameter 1 has size 6, the checkpoint's has size 2x3"), "\(e)")
        }
        XCTAssertEqual(other.lr, 0.5)
        XCTAssertNil(other.state[0])
        let ams = try Adam(parameters: [p, q], lr: 0.5, amsgrad: true)
        XCTAssertThrowsError(try ams.load(from: path("adam.ckpt")))
        XCTAssertEqual(ams.lr, 0.5)
        try Checkpoint.write(to: path("tensors.ckpt"), kind: "tensors", metadata: "", tensors: [])
        XCTAssertThrowsError(try adam.load(from: path("tensors.ckpt"))) { e in
            XCTAssertTrue("\(e)".contains("expected an optimizer checkpoint, got one of kind 'tensors'"), "\(e)")
        }
    }
}
