import CPicketLinux
import Glibc
import PicketCore

extension ProbeReactor {
    /// An epoll event for the socket behind `token`.
    func handle(token: UInt64, events: UInt32) {
        let index = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
        let serial = UInt32(truncatingIfNeeded: token >> 32)
        guard isCurrent(index, serial) else { return }
        if events & EPOLLERR.rawValue != 0 {
            socketFailed(index)
            return
        }
        if events & EPOLLOUT.rawValue != 0, slots[index].pointee.stage == .connecting {
            writable(index)
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0, isCurrent(index, serial) {
            readable(index, untilEnd: events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0)
        }
    }

    private func isCurrent(_ index: Int32, _ serial: UInt32) -> Bool {
        index >= 0 && Int(index) < slots.count && slots[index].pointee.serial == serial && slots[index].pointee.fd >= 0
    }

    /// Writes the request (or what is left of it). Speculatively in the turn the connect started, as
    /// HAProxy does: on loopback the handshake is done by then, which saves waiting for writability.
    func sendRequest(_ index: Int32) {
        guard let probe = slots[index].pointee.probe else { return }
        if slots[index].pointee.unsent.isEmpty {
            // A gRPC check never gets here: `begin` refuses it before any socket is opened.
            write(index, probe.request.subject.requestBytes)
        } else {
            let unsent = slots[index].pointee.unsent
            slots[index].pointee.unsent = []
            write(index, unsent)
        }
    }

    private func write(_ index: Int32, _ bytes: [UInt8]) {
        let result = bytes.withUnsafeBytes { ProbeSocket.send(slots[index].pointee.fd, $0) }
        if result == bytes.count {
            requestWritten(index)
        } else if result >= 0 || result == -Int(EAGAIN) {
            slots[index].pointee.unsent = Array(bytes[max(0, result)...])
            watchWritable(index)
        } else if slots[index].pointee.probe?.onReusedConnection == true {
            retryOnFreshConnection(index)
        } else {
            fail(index, errno: Int32(-result))
        }
    }

    /// The rest of a request waits for room: make sure a writable event will say when (a socket with
    /// a request to write is first watched for reading only).
    private func watchWritable(_ index: Int32) {
        guard !slots[index].pointee.watchesWritable else { return }
        slots[index].pointee.watchesWritable = true
        let error = poller.watchWritable(slots[index].pointee.fd, token: slots[index].pointee.token(index), deferred: slots[index].pointee.deferred)
        if error != 0 { fail(index, errno: error) }
    }

    private func requestWritten(_ index: Int32) {
        slots[index].pointee.stage = .waitingForReply
        guard let probe = slots[index].pointee.probe, case .tcp(let tcp) = probe.request.check.kind, tcp.expectedResponse == nil else { return }
        finish(index, ProbeVerdict.tcp(reply: nil, latency: elapsed(probe), check: tcp, spec: probe.request.check))
    }

    /// Writable while connecting: the connect finished (or failed), or the socket buffer has room again.
    private func writable(_ index: Int32) {
        guard let probe = slots[index].pointee.probe else { return }
        if !slots[index].pointee.unsent.isEmpty {
            sendRequest(index)
            return
        }
        guard !sendsOnConnect(probe.request.check) else { return }
        let error = ProbeSocket.pendingError(slots[index].pointee.fd)
        guard error == 0 else {
            fail(index, errno: error)
            return
        }
        requestWritten(index)
    }

    private func socketFailed(_ index: Int32) {
        guard slots[index].pointee.stage != .idle else {
            close(index)
            return
        }
        let error = ProbeSocket.pendingError(slots[index].pointee.fd)
        if slots[index].pointee.probe?.onReusedConnection == true, (slots[index].pointee.http?.received ?? 0) == 0 {
            retryOnFreshConnection(index)
        } else {
            fail(index, errno: error == 0 ? ECONNRESET : error)
        }
    }

    /// Reads what arrived. A read that does not fill the buffer took everything there was: with
    /// edge-triggered events, more data raises a new event, so no read is wasted on EAGAIN (unless the
    /// peer also closed: then read to the end).
    private func readable(_ index: Int32, untilEnd: Bool) {
        guard slots[index].pointee.stage != .idle else {
            // An edge-triggered event can report data a read already took with the last response; only
            // a connection the server closed (or wrote to unasked) is given up.
            if ProbeSocket.receive(slots[index].pointee.fd, into: readBuffer) != -Int(EAGAIN) { close(index) }
            return
        }
        guard slots[index].pointee.probe != nil else { return }
        while true {
            let fd = slots[index].pointee.fd
            let count =
                slots[index].pointee.deferred
                ? ProbeSocket.receive(fd, into: readBuffer, arrived: &slots[index].pointee.arrived) : ProbeSocket.receive(fd, into: readBuffer)
            if count > 0 {
                if slots[index].pointee.stage == .connecting { slots[index].pointee.stage = .waitingForReply }
                guard received(index, UnsafeRawBufferPointer(rebasing: readBuffer[..<count])) else { return }
                if count < readBuffer.count, !untilEnd { return }
            } else if count == 0 {
                ended(index)
                return
            } else if count == -Int(EINTR) {
                continue
            } else if count == -Int(EAGAIN) {
                return
            } else {
                if slots[index].pointee.probe?.onReusedConnection == true, (slots[index].pointee.http?.received ?? 0) == 0 {
                    retryOnFreshConnection(index)
                } else {
                    fail(index, errno: Int32(-count))
                }
                return
            }
        }
    }

    /// Feeds a reply; false once the check is over.
    private func received(_ index: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let probe = slots[index].pointee.probe else { return false }
        let spec = probe.request.sharedCheck  // the box, not a copy of the check (see `begin`)
        switch spec.value.kind {
        case .http(let http):
            switch slots[index].pointee.http?.consume(bytes) ?? .malformed {
            case .needMore:
                return true
            case .complete(let response):
                answered(index, probe, response, http, keepAlive: response.reusable)
            case .malformed:
                fail(index, .other, "malformed HTTP response")
            }
        case .tcp(let tcp):
            if slots[index].pointee.tcpReply.count < HTTPResponseReader.maxKeptBody {
                slots[index].pointee.tcpReply.append(contentsOf: bytes.prefix(HTTPResponseReader.maxKeptBody - slots[index].pointee.tcpReply.count))
            }
            let reply = slots[index].pointee.tcpReply
            let text = String(decoding: reply, as: UTF8.self)
            guard let expected = tcp.expectedResponse, text.contains(expected) || reply.count >= HTTPResponseReader.maxKeptBody else { return true }
            finish(index, ProbeVerdict.tcp(reply: text, latency: elapsed(probe), check: tcp, spec: spec.value))
        case .grpc:
            preconditionFailure(SecureProber.notOnReactor)
        }
        return false
    }

    /// A whole HTTP response came: the check's verdict on it. One that arrived after the check's deadline
    /// (read at a later tick) is a timeout. `keepAlive`: the connection may serve the backend's next check.
    private func answered(_ index: Int32, _ probe: ActiveProbe, _ response: HTTPResponseSummary, _ http: HTTPCheck, keepAlive: Bool) {
        let spec = probe.request.sharedCheck  // the box, not a copy of the check (see `begin`)
        let latency = replyLatency(probe, index)
        guard latency <= spec.value.timeout else { return timedOut(index) }
        finish(index, ProbeVerdict.http(status: response.status, body: response.body, latency: latency, check: http, spec: spec.value), keepAlive: keepAlive)
    }

    /// The server closed the connection.
    private func ended(_ index: Int32) {
        guard let probe = slots[index].pointee.probe else { return }
        switch probe.request.check.kind {
        case .http(let http):
            if let response = slots[index].pointee.http?.end() {
                answered(index, probe, response, http, keepAlive: false)
            } else if probe.onReusedConnection, (slots[index].pointee.http?.received ?? 0) == 0 {
                retryOnFreshConnection(index)
            } else {
                fail(index, .reset, "connection closed before a full response", status: slots[index].pointee.http?.status)
            }
        case .tcp(let tcp):
            let reply = slots[index].pointee.tcpReply
            finish(index, ProbeVerdict.tcp(reply: reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self), latency: elapsed(probe), check: tcp, spec: probe.request.check))
        case .grpc:
            preconditionFailure(SecureProber.notOnReactor)
        }
    }
}
