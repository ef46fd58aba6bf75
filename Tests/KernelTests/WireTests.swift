import Foundation
import Kernel
import XCTest

/// The wire format: HMAC-SHA256 signatures (RFC 4231's test vector), signed frames that
/// parse back, and messages that are rejected (never executed) with a reason.
final class WireTests: XCTestCase {
    func testHMACSHA256MatchesRFC4231() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
        let s = Signer(key: "Jefe")
        XCTAssertEqual(s.signature([Data("what do ya want ".utf8), Data("for nothing?".utf8)]),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(Signer(key: "").signature([Data("x".utf8)]), "")
    }

    func testSignedFramesParseBack() throws {
        let signer = Signer(key: "secret")
        var m = Message(type: "execute_request", session: "s1", content: ["code": "print(1)"])
        m.identities = [Data("client".utf8)]
        let back = try Message.parse(m.frames(signer: signer), signer: signer)
        XCTAssertEqual(back.type, "execute_request")
        XCTAssertEqual(back.identities, [Data("client".utf8)])
        XCTAssertEqual(back.content["code"] as? String, "print(1)")
        XCTAssertEqual(back.header["version"] as? String, "5.3")
    }

    func testBadMessagesAreRejectedWithAReason() {
        let signer = Signer(key: "secret")
        let good = Message(type: "execute_request", session: "s1", content: ["code": "x = 1"]).frames(signer: signer)
        func reason(_ frames: [Data]) -> String {
            do { _ = try Message.parse(frames, signer: signer); return "accepted" } catch { return "\(error)" }
        }
        var wrongSignature = good
        wrongSignature[1] = Data(Signer(key: "other").signature(Array(good[2...5])).utf8)
        XCTAssertEqual(reason(wrongSignature), "its signature does not match (wrong key, or altered)")
        var altered = good
        altered[5] = Data(#"{"code": "os.remove('x')"}"#.utf8)
        XCTAssertEqual(reason(altered), "its signature does not match (wrong key, or altered)")
        XCTAssertEqual(reason(Array(good.dropFirst())), "no <IDS|MSG> delimiter among its 5 frames")
        XCTAssertEqual(reason(Array(good.prefix(4))), "3 frames after the delimiter, expected at least 5")
        var notJSON = good
        notJSON[5] = Data("not json".utf8)
        notJSON[1] = Data(signer.signature(Array(notJSON[2...5])).utf8)
        XCTAssertEqual(reason(notJSON), "its content is not a JSON object")
    }

    func testConnectionFileErrorsAreClear() throws {
        XCTAssertThrowsError(try ConnectionFile.read("/nonexistent/kernel-1.json")) { error in
            XCTAssertEqual("\(error)", "the connection file /nonexistent/kernel-1.json does not exist")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("conn-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4}"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ConnectionFile.read(path)) { error in
            XCTAssertEqual("\(error)", "the connection file \(path) has no valid 'hb_port' (a port number), got nothing")
        }
        try Data("[1]".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ConnectionFile.read(path)) { error in
            XCTAssertEqual("\(error)", "the connection file \(path) is not a JSON object")
        }
    }
}
