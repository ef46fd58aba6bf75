@testable import Bridge
import Foundation
import Numerics
import XCTest

/// The batch prefetcher: whichever thread makes a batch (the background queue, or Lua's
/// thread when the queue has not begun it), each batch is made once, in order, one at a time.
final class BatchPrefetchTests: XCTestCase {
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var made: [Int] = []
        var running = 0
        var overlapped = false
    }

    func prefetcher(_ log: Log, work: TimeInterval) -> BatchPrefetch {
        BatchPrefetch { k in
            log.lock.lock(); log.running += 1; if log.running > 1 { log.overlapped = true }; log.lock.unlock()
            Thread.sleep(forTimeInterval: work)
            log.lock.lock(); log.running -= 1; log.made.append(k); log.lock.unlock()
            if k == 7 { throw DataError("batch 7 is bad") }
            return (try Tensor(shape: [1], repeating: Float(k)), try Tensor(shape: [1], repeating: 0))
        }
    }

    /// Taking at once (the queue usually has not begun: made in line), after a pause (made
    /// in the background) and mid-way (waits for the background) all give batch k for k.
    func testEachBatchIsMadeOnceInOrderWhoeverMakesIt() throws {
        for pause in [0.0, 0.003, 0.0005] {
            let log = Log()
            let p = prefetcher(log, work: 0.001)
            let count = 7
            p.start(0, count: count)
            for k in 0..<count {
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                let (x, _) = try p.take(k)
                XCTAssertEqual(x.pointer[0], Float(k), "pause \(pause)")
                p.start(k + 1, count: count)
            }
            Thread.sleep(forTimeInterval: 0.01)   // a late queued block must not make anything
            log.lock.lock()
            XCTAssertEqual(log.made, Array(0..<count), "pause \(pause)")
            XCTAssertFalse(log.overlapped, "two batches were made at once (pause \(pause))")
            log.lock.unlock()
        }
    }

    /// The maker thread holds what `make` captures until the prefetcher (the Lua iterator)
    /// is dropped; then it ends and lets go.
    func testDroppingThePrefetcherEndsItsThread() throws {
        final class Captured {}
        weak var weakCaptured: Captured?
        do {
            let captured = Captured()
            weakCaptured = captured
            let p = BatchPrefetch { k in
                _ = captured
                return (try Tensor(shape: [1], repeating: Float(k)), try Tensor(shape: [1], repeating: 0))
            }
            p.start(0, count: 2)
            _ = try p.take(0)
        }
        let deadline = Date().addingTimeInterval(10)
        while weakCaptured != nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertNil(weakCaptured, "the maker thread still holds the batch maker")
    }

    func testAnErrorReachesTheTaker() {
        for pause in [0.0, 0.005] {
            let p = prefetcher(Log(), work: 0)
            p.start(7, count: 8)
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            XCTAssertThrowsError(try p.take(7)) { XCTAssertEqual(($0 as? DataError)?.message, "batch 7 is bad") }
        }
    }
}
