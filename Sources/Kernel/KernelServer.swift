import Bridge
import CZMQ
import Foundation
import Notebook

/// A Jupyter kernel (messaging protocol 5.3) on the five ZeroMQ sockets of a connection file.
///
/// Threads: the main thread owns shell, stdin and the Lua state (requests run one at a time,
/// in order); a control thread answers control requests even while a cell runs (interrupt,
/// shutdown, kernel_info); a heartbeat thread echoes. iopub is shared under a lock. Every
/// request is framed by `status: busy` and `status: idle` on iopub. A message that does not
/// parse or whose signature does not match is logged to stderr and dropped.
public final class KernelServer {
    let connection: ConnectionFile
    let signer: Signer
    let session = UUID().uuidString.lowercased()
    /// Plots are sent as SVG and, when rsvg-convert or Chromium is there, PNG (LWSCRIPT_RASTERISER)
    let rasteriser = Rasteriser.find()
    let banner: String
    let luaVersion: String
    let context: UnsafeMutableRawPointer
    let shell, control, stdin, iopub, heartbeat: ZMQSocket
    let iopubLock = NSLock()
    let executor: KernelExecutor
    private let flags = Flags()
    private let threadsDone = DispatchGroup()

    /// Shared between the threads under a lock.
    final class Flags: @unchecked Sendable {
        private let lock = NSLock()
        private var _stopping = false, _busy = false
        var stopping: Bool {
            get { lock.lock(); defer { lock.unlock() }; return _stopping }
            set { lock.lock(); _stopping = newValue; lock.unlock() }
        }
        var busy: Bool {
            get { lock.lock(); defer { lock.unlock() }; return _busy }
            set { lock.lock(); _busy = newValue; lock.unlock() }
        }
    }

    /// Binds the sockets (a port in use is an error naming it) and starts the Lua session in
    /// `workingDirectory` (where `require` looks first).
    public init(connection: ConnectionFile, banner: String, luaVersion: String, workingDirectory: String) throws {
        self.connection = connection
        signer = Signer(key: connection.key)
        self.banner = banner
        self.luaVersion = luaVersion
        guard let ctx = zmq_ctx_new() else { throw ZMQSocket.Failure(description: "cannot start ZeroMQ") }
        context = ctx
        shell = try ZMQSocket(context: ctx, type: ZMQ_ROUTER, name: "shell")
        control = try ZMQSocket(context: ctx, type: ZMQ_ROUTER, name: "control")
        stdin = try ZMQSocket(context: ctx, type: ZMQ_ROUTER, name: "stdin")
        iopub = try ZMQSocket(context: ctx, type: ZMQ_PUB, name: "iopub")
        heartbeat = try ZMQSocket(context: ctx, type: ZMQ_REP, name: "heartbeat")
        do {
            try shell.bind(connection.endpoint(connection.shellPort))
            try control.bind(connection.endpoint(connection.controlPort))
            try stdin.bind(connection.endpoint(connection.stdinPort))
            try iopub.bind(connection.endpoint(connection.iopubPort))
            try heartbeat.bind(connection.endpoint(connection.hbPort))
        } catch {
            for s in [shell, control, stdin, iopub, heartbeat] { s.close() }
            zmq_ctx_term(ctx)
            throw error
        }
        executor = try KernelExecutor(workingDirectory: workingDirectory)
    }

    func log(_ text: String) {
        fputs("lwscript kernel: \(text)\n", stderr)
    }

    // MARK: running

    /// Serves until a shutdown request; returns the exit status.
    public func run() -> Int32 {
        // The client interrupts with SIGINT (interrupt_mode "signal") at any time: only
        // running Lua code is interrupted, the kernel lives on.
        LuaState.surviveInterrupts()
        startThread("heartbeat") { [self] in
            while !flags.stopping {
                if heartbeat.poll(milliseconds: 100) == .ready, let frames = heartbeat.receive() {
                    heartbeat.send(frames)
                }
            }
            heartbeat.close()
        }
        startThread("control") { [self] in
            while !flags.stopping {
                if control.poll(milliseconds: 100) == .ready, let frames = control.receive() {
                    handle(frames, on: control)
                }
            }
            control.close()
        }
        publish("status", ["execution_state": "starting"], parent: nil)
        while !flags.stopping {
            if shell.poll(milliseconds: 100) == .ready, let frames = shell.receive() {
                handle(frames, on: shell)
            }
        }
        threadsDone.wait()
        for s in [shell, stdin, iopub] { s.close() }
        zmq_ctx_term(context)
        return 0
    }

    private func startThread(_ name: String, _ body: @escaping () -> Void) {
        threadsDone.enter()
        let t = Thread { [threadsDone] in
            body()
            threadsDone.leave()
        }
        t.name = "lwscript kernel " + name
        t.start()
    }

    // MARK: messages

    func publish(_ type: String, _ content: [String: Any], parent: Message?) {
        var m = Message(type: type, session: session, content: content, parent: parent)
        m.identities = [Data("kernel.\(session).\(type)".utf8)]
        let frames = m.frames(signer: signer)
        iopubLock.lock()
        iopub.send(frames)
        iopubLock.unlock()
    }

    func reply(_ request: Message, _ type: String, _ content: [String: Any], on socket: ZMQSocket) {
        socket.send(Message(type: type, session: session, content: content, parent: request).frames(signer: signer))
    }

    func handle(_ frames: [Data], on socket: ZMQSocket) {
        let request: Message
        do {
            request = try Message.parse(frames, signer: signer)
        } catch {
            log("dropped a message on the \(socket.name) channel: \(error)")
            return
        }
        publish("status", ["execution_state": "busy"], parent: request)
        defer { publish("status", ["execution_state": "idle"], parent: request) }
        let content = request.content
        switch request.type {
        case "kernel_info_request":
            reply(request, "kernel_info_reply", kernelInfo, on: socket)
        case "execute_request" where socket === shell:
            execute(request)
        case "complete_request" where socket === shell:
            let code = content["code"] as? String ?? ""
            let cursor = content["cursor_pos"] as? Int ?? code.unicodeScalars.count
            let c = executor.complete(code, cursor: cursor)
            reply(request, "complete_reply", ["status": "ok", "matches": c.matches, "cursor_start": c.start,
                                              "cursor_end": c.end, "metadata": [String: Any]()], on: socket)
        case "inspect_request" where socket === shell:
            let code = content["code"] as? String ?? ""
            let cursor = content["cursor_pos"] as? Int ?? code.unicodeScalars.count
            let text = executor.inspect(code, cursor: cursor)
            reply(request, "inspect_reply", ["status": "ok", "found": text != nil,
                                             "data": text.map { ["text/plain": $0] } ?? [String: Any](),
                                             "metadata": [String: Any]()], on: socket)
        case "is_complete_request" where socket === shell:
            var r: [String: Any]
            switch executor.status(of: content["code"] as? String ?? "") {
            case .complete: r = ["status": "complete"]
            case .incomplete: r = ["status": "incomplete", "indent": "  "]
            case .invalid: r = ["status": "invalid"]
            }
            reply(request, "is_complete_reply", r, on: socket)
        case "history_request" where socket === shell:
            reply(request, "history_reply", ["status": "ok", "history": history(content)], on: socket)
        case "comm_info_request":
            reply(request, "comm_info_reply", ["status": "ok", "comms": [String: Any]()], on: socket)
        case "interrupt_request":
            LuaState.interruptRunningCode()
            reply(request, "interrupt_reply", ["status": "ok"], on: socket)
        case "shutdown_request":
            let restart = content["restart"] as? Bool ?? false
            reply(request, "shutdown_reply", ["status": "ok", "restart": restart], on: socket)
            shutdown(fromControl: socket === control)
        default:
            log("ignored a message of type '\(request.type)' on the \(socket.name) channel (not supported)")
        }
    }

    /// Stops serving. From the control channel while a cell runs, the cell is interrupted and
    /// given a few seconds to end; then the process ends (the client is waiting for it).
    func shutdown(fromControl: Bool) {
        flags.stopping = true
        guard fromControl, flags.busy else { return }
        LuaState.interruptRunningCode()
        for _ in 0..<50 where flags.busy { usleep(100_000) }
        if flags.busy { _exit(0) }
    }

    var kernelInfo: [String: Any] {
        [
            "status": "ok",
            "protocol_version": Message.protocolVersion,
            "implementation": "lwscript",
            "implementation_version": LwscriptVersion.number,
            "language_info": [
                "name": "lua",
                "version": luaVersion,
                "mimetype": "text/x-lua",
                "file_extension": ".lua",
                "codemirror_mode": "lua",
                "pygments_lexer": "lua",
            ],
            "banner": banner,
            "debugger": false,
        ]
    }

    // MARK: execute

    func execute(_ request: Message) {
        let content = request.content
        let code = content["code"] as? String ?? ""
        let silent = content["silent"] as? Bool ?? false
        let store = (content["store_history"] as? Bool ?? true) && !silent
        let allowStdin = content["allow_stdin"] as? Bool ?? false
        let count = executor.executionCount + (store ? 1 : 0)
        if !silent { publish("execute_input", ["code": code, "execution_count": count], parent: request) }
        // `?name` shows the help text in the frontend's pager (a "page" payload), as IPython does.
        if let page = executor.helpPage(code) {
            reply(request, "execute_reply", ["status": "ok", "execution_count": executor.executionCount,
                                             "payload": [["source": "page", "data": ["text/plain": page], "start": 0] as [String: Any]],
                                             "user_expressions": [String: Any]()], on: shell)
            return
        }
        // Of several values, the last is the cell's result; the others are displayed before it.
        var pendingResult: DisplayData? = nil
        func flushResult(last: Bool) {
            guard let d = pendingResult else { return }
            pendingResult = nil
            if last {
                publish("execute_result", ["execution_count": count, "data": IpynbWriter.mimeData(d, rasteriser: rasteriser), "metadata": [String: Any]()], parent: request)
            } else {
                publish("display_data", ["data": IpynbWriter.mimeData(d, rasteriser: rasteriser), "metadata": [String: Any](), "transient": [String: Any]()], parent: request)
            }
        }
        executor.onOutput = { [self] output in
            guard !silent else { return }
            if case .result(let d) = output {
                flushResult(last: false)
                pendingResult = d
                return
            }
            flushResult(last: false)
            switch output {
            case .stream(let name, let text):
                publish("stream", ["name": name, "text": text], parent: request)
            case .display(let d):
                publish("display_data", ["data": IpynbWriter.mimeData(d, rasteriser: rasteriser), "metadata": [String: Any](), "transient": [String: Any]()], parent: request)
            case .result: break
            case .clear(let wait):
                publish("clear_output", ["wait": wait], parent: request)
            }
        }
        executor.onInput = allowStdin ? { [self] prompt, password in
            try askInput(prompt: prompt, password: password, parent: request)
        } : nil
        flags.busy = true
        let (n, outcome) = executor.execute(code, store: store)
        flags.busy = false
        flushResult(last: true)
        executor.onOutput = nil
        executor.onInput = nil
        switch outcome {
        case .ok:
            var expressions: [String: Any] = [:]
            for (name, expr) in content["user_expressions"] as? [String: String] ?? [:] {
                expressions[name] = executor.evaluate(expr)
            }
            reply(request, "execute_reply", ["status": "ok", "execution_count": n, "payload": [Any](),
                                             "user_expressions": expressions], on: shell)
        case .error(let ename, let evalue, let traceback):
            let e: [String: Any] = ["ename": ename, "evalue": evalue, "traceback": traceback]
            if !silent { publish("error", e, parent: request) }
            reply(request, "execute_reply", e.merging(["status": "error", "execution_count": n]) { a, _ in a }, on: shell)
        }
    }

    /// io.read in a cell: an input_request on stdin to the frontend that sent the request,
    /// answered by its input_reply. An interrupt while waiting gives an empty line (the
    /// interrupt then stops the Lua code at once).
    func askInput(prompt: String, password: Bool, parent: Message) throws -> String {
        var m = Message(type: "input_request", session: session, content: ["prompt": prompt, "password": password], parent: parent)
        m.identities = parent.identities
        stdin.send(m.frames(signer: signer))
        while !flags.stopping {
            switch stdin.poll(milliseconds: 100) {
            case .timeout: continue
            case .interrupted: return ""
            case .ready:
                guard let frames = stdin.receive() else { break }
                do {
                    let r = try Message.parse(frames, signer: signer)
                    if r.type == "input_reply" { return r.content["value"] as? String ?? "" }
                    log("ignored a message of type '\(r.type)' on the stdin channel")
                } catch {
                    log("dropped a message on the stdin channel: \(error)")
                }
            }
        }
        throw KernelExecutor.InputUnavailable(description: "the kernel is shutting down")
    }

    // MARK: history

    func history(_ content: [String: Any]) -> [Any] {
        let output = content["output"] as? Bool ?? false
        var entries = executor.history
        switch content["hist_access_type"] as? String ?? "tail" {
        case "range":
            let start = content["start"] as? Int ?? 1
            let stop = content["stop"] as? Int ?? Int.max
            entries = entries.filter { $0.line >= start && $0.line < stop }
        case "search":
            let pattern = content["pattern"] as? String ?? "*"
            entries = entries.filter { fnmatch(pattern, $0.input, 0) == 0 }
            if content["unique"] as? Bool ?? false {
                var seen = Set<String>()
                entries = entries.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            if let n = content["n"] as? Int { entries = Array(entries.suffix(max(0, n))) }
        default:
            let n = content["n"] as? Int ?? 10
            entries = Array(entries.suffix(max(0, n)))
        }
        return entries.map { e -> [Any] in
            [1, e.line, output ? [e.input, e.output.map { $0 as Any } ?? NSNull()] as [Any] : e.input]
        }
    }
}
