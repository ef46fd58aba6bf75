import Foundation

/// The connection file a Jupyter client writes for a kernel it starts: where to listen
/// (transport, ip, five ports) and how to sign messages (key, signature_scheme).
public struct ConnectionFile: Equatable, Sendable {
    public var transport = "tcp"
    public var ip = "127.0.0.1"
    public var shellPort = 0, iopubPort = 0, stdinPort = 0, controlPort = 0, hbPort = 0
    public var key = ""
    public var signatureScheme = "hmac-sha256"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads and checks `path`: a missing, unreadable or ill-formed file is a clear error.
    public static func read(_ path: String) throws -> ConnectionFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "the connection file \(path) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read the connection file \(path) (permission denied?)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Failure(description: "the connection file \(path) is not a JSON object")
        }
        return try parse(json, path: path)
    }

    static func parse(_ json: [String: Any], path: String) throws -> ConnectionFile {
        var c = ConnectionFile()
        func port(_ name: String) throws -> Int {
            guard let n = json[name] as? Int, n >= 0, n <= 65535 else {
                throw Failure(description: "the connection file \(path) has no valid '\(name)' (a port number), got \(json[name].map { "\($0)" } ?? "nothing")")
            }
            return n
        }
        c.shellPort = try port("shell_port")
        c.iopubPort = try port("iopub_port")
        c.stdinPort = try port("stdin_port")
        c.controlPort = try port("control_port")
        c.hbPort = try port("hb_port")
        if let t = json["transport"] as? String { c.transport = t }
        guard c.transport == "tcp" || c.transport == "ipc" else {
            throw Failure(description: "the connection file \(path) names transport '\(c.transport)'; expected \"tcp\" or \"ipc\"")
        }
        if let ip = json["ip"] as? String { c.ip = ip }
        if let key = json["key"] as? String { c.key = key }
        if let scheme = json["signature_scheme"] as? String { c.signatureScheme = scheme }
        guard c.signatureScheme == "hmac-sha256" || c.key.isEmpty else {
            throw Failure(description: "the connection file \(path) asks for signature scheme '\(c.signatureScheme)'; this kernel signs with hmac-sha256")
        }
        return c
    }

    /// The ZeroMQ endpoint of a port ("tcp://127.0.0.1:5555", "ipc://path-5555"); port 0 lets
    /// the system choose (tcp).
    public func endpoint(_ port: Int) -> String {
        if transport == "ipc" { return "ipc://\(ip)-\(port)" }
        return "tcp://\(ip):\(port == 0 ? "*" : String(port))"
    }
}
