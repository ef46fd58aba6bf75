import Numerics
import XCTest

/// The data kernels from Swift: gzip round trips, CSV corner cases, samplers, IDX headers.
final class DataTests: XCTestCase {
    func testGzipRoundTripAndConcatenatedMembers() throws {
        var bytes = [UInt8](repeating: 0, count: 300_000)
        let g = Generator(seed: 1)
        for i in bytes.indices { bytes[i] = i % 7 == 0 ? UInt8(truncatingIfNeeded: g.next()) : UInt8(i % 251) }
        let z = try Gzip.compress(bytes)
        XCTAssertTrue(Gzip.isGzip(z))
        XCTAssertLessThan(z.count, bytes.count)
        XCTAssertEqual(try Gzip.decompress(z), bytes)
        // `cat a.gz b.gz` is a valid gzip file holding both
        let two = try Gzip.compress([1, 2, 3]) + (try Gzip.compress([4, 5]))
        XCTAssertEqual(try Gzip.decompress(two), [1, 2, 3, 4, 5])
        XCTAssertEqual(try Gzip.decompress(try Gzip.compress([])), [])
        XCTAssertThrowsError(try Gzip.decompress(Array(z.prefix(z.count / 2)))) { e in
            XCTAssertTrue("\(e)".contains("truncated gzip data"), "\(e)")
        }
    }

    /// An images file of N x 0 x H x W parsed without complaint, and batching it divided by
    /// its zero channels (SIGFPE).
    func testImagesWithoutPixelsAreRejected() throws {
        XCTAssertThrowsError(try DataStore(kind: .image, sampleShape: [0, 2, 2], bytes: [], floats: [],
                                           labels: [0, 0], classes: ["a"])) { e in
            XCTAssertTrue("\(e)".contains("images of size 0x2x2 hold no pixels"), "\(e)")
        }
    }

    func testIDXFromGzipFile() throws {
        var raw: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]
        raw += [0, 255, 128, 64]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-idx-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(try Gzip.compress(raw), to: dir + "/x.gz")
        try AtomicFile.write([0, 0, 8, 1, 0, 0, 0, 2, 1, 0], to: dir + "/y")
        let ds = try IDXLoader.load(images: dir + "/x.gz", labels: dir + "/y", classes: ["a", "b"])
        XCTAssertEqual(ds.count, 2)
        XCTAssertEqual(ds.sampleShape, [1, 1, 2])
        XCTAssertEqual(ds.labels, [1, 0])
        XCTAssertEqual(try ds.inputs([0, 1]).toArray(), [0, 1, 128 / 255, 64 / 255])
        XCTAssertEqual(try ds.targets([1, 0]).toArray(), [1, 2])
    }

    func testCSVQuotingAndLines() throws {
        let text = "a,\"b \"\"q\"\"\"\r\n\"x\ny\",2\n\n3,\"\"\n"
        let t = try CSVTable.parse(Array(text.utf8), path: "t.csv")
        XCTAssertEqual(t.records.map(\.fields), [["a", "b \"q\""], ["x\ny", "2"], ["3", ""]])
        XCTAssertEqual(t.records.map(\.line), [1, 2, 5])
        XCTAssertThrowsError(try CSVTable.parse(Array("a,\"b\"c\n".utf8), path: "t.csv"))
    }

    func testSamplerWithoutReplacementIsAPermutationOfPositiveWeights() throws {
        let s = try WeightedSampler(weights: [1, 0, 2, 3], numSamples: 3, replacement: false, generator: Generator(seed: 3))
        XCTAssertEqual(Set(s.draw()), [0, 2, 3])
        XCTAssertThrowsError(try WeightedSampler(weights: [1, 0], numSamples: 2, replacement: false, generator: Generator(seed: 1)))
        XCTAssertThrowsError(try WeightedSampler(weights: [1, .nan], numSamples: 2, replacement: true, generator: Generator(seed: 1)))
    }

    func testExponentialLongTailProfile() throws {
        let r = try Dataset.exponentialRatios(classes: 3, factor: 100)
        XCTAssertEqual(r[0], 1, accuracy: 1e-12)
        XCTAssertEqual(r[1], 0.1, accuracy: 1e-12)
        XCTAssertEqual(r[2], 0.01, accuracy: 1e-12)
    }
}
