import Foundation

/// One Jupyter message and its wire form: the routing identities, the "<IDS|MSG>" delimiter,
/// the HMAC signature, then header, parent header, metadata and content as JSON, then any
/// binary buffers.
public struct Message {
    public var identities: [Data] = []
    public var header: [String: Any]
    public var parentHeader: [String: Any] = [:]
    public var metadata: [String: Any] = [:]
    public var content: [String: Any]
    public var buffers: [Data] = []

    public static let delimiter = Data("<IDS|MSG>".utf8)
    public static let protocolVersion = "5.3"

    public var type: String { header["msg_type"] as? String ?? "" }
    public var id: String { header["msg_id"] as? String ?? "" }

    public init(type: String, session: String, content: [String: Any], parent: Message? = nil) {
        header = [
            "msg_id": UUID().uuidString.lowercased(),
            "msg_type": type,
            "session": session,
            "username": "lwscript",
            "date": Self.now(),
            "version": Self.protocolVersion,
        ]
        self.content = content
        if let parent {
            parentHeader = parent.header
            identities = parent.identities
        }
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// Why a message was dropped (logged; never executed).
    public struct Rejected: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses and checks the frames of a received message.
    public static func parse(_ frames: [Data], signer: Signer) throws -> Message {
        guard let d = frames.firstIndex(of: delimiter) else {
            throw Rejected(description: "no <IDS|MSG> delimiter among its \(frames.count) frames")
        }
        guard frames.count - d - 1 >= 5 else {
            throw Rejected(description: "\(frames.count - d - 1) frames after the delimiter, expected at least 5")
        }
        let signature = frames[d + 1]
        let parts = Array(frames[(d + 2)...(d + 5)])
        guard signer.verify(signature, parts) else {
            throw Rejected(description: "its signature does not match (wrong key, or altered)")
        }
        var objects: [[String: Any]] = []
        for (name, part) in zip(["header", "parent header", "metadata", "content"], parts) {
            guard let o = (try? JSONSerialization.jsonObject(with: part)) as? [String: Any] else {
                throw Rejected(description: "its \(name) is not a JSON object")
            }
            objects.append(o)
        }
        guard objects[0]["msg_type"] is String, objects[0]["msg_id"] is String else {
            throw Rejected(description: "its header has no msg_type or msg_id")
        }
        var m = Message(type: "", session: "", content: objects[3])
        m.identities = Array(frames[..<d])
        m.header = objects[0]
        m.parentHeader = objects[1]
        m.metadata = objects[2]
        m.buffers = Array(frames[(d + 6)...])
        return m
    }

    /// The frames to send, signed.
    public func frames(signer: Signer) -> [Data] {
        func json(_ o: [String: Any]) -> Data {
            (try? JSONSerialization.data(withJSONObject: o, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
        }
        let parts = [json(header), json(parentHeader), json(metadata), json(content)]
        return identities + [Self.delimiter, Data(signer.signature(parts).utf8)] + parts + buffers
    }
}
