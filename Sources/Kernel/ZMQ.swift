import CZMQ
import Foundation

/// A thin owner of ZeroMQ sockets: multipart messages in and out, polling with a timeout.
/// A socket is used by one thread at a time (iopub is shared under a lock, see KernelServer).
final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    let name: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func lastError() -> String { String(cString: zmq_strerror(zmq_errno())) }

    init(context: UnsafeMutableRawPointer, type: Int32, name: String) throws {
        guard let h = zmq_socket(context, type) else {
            throw Failure(description: "cannot create the \(name) socket: \(Self.lastError())")
        }
        handle = h
        self.name = name
        // Closing must not wait long for a client that went away.
        var linger: Int32 = 1000
        zmq_setsockopt(h, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    /// Binds to `endpoint`; a port in use is a clear error naming the channel.
    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else {
            throw Failure(description: "cannot listen on \(endpoint) for the \(name) channel: \(Self.lastError())"
                          + (zmq_errno() == EADDRINUSE ? " (another process, maybe another kernel, uses this port)" : ""))
        }
    }

    func close() { zmq_close(handle) }

    enum Poll { case ready, timeout, interrupted }

    /// Waits up to `milliseconds` for a message (a signal, SIGINT, ends the wait early).
    func poll(milliseconds: Int) -> Poll {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let n = zmq_poll(&item, 1, milliseconds)
        if n < 0 { return zmq_errno() == EINTR ? .interrupted : .timeout }
        return n > 0 && (item.revents & Int16(ZMQ_POLLIN)) != 0 ? .ready : .timeout
    }

    /// The frames of the next message (blocks), or nil if the context is ending.
    func receive() -> [Data]? {
        var frames: [Data] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let n = zmq_msg_recv(&msg, handle, 0)
            if n < 0 {
                if zmq_errno() == EINTR { continue }
                return nil
            }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    /// Sends the frames as one multipart message.
    func send(_ frames: [Data]) {
        for (i, f) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            _ = f.withUnsafeBytes { buf in
                var rc: Int32
                repeat {
                    rc = zmq_send(handle, buf.baseAddress, buf.count, flags)
                } while rc < 0 && zmq_errno() == EINTR
                return rc
            }
        }
    }
}
