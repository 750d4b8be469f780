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
        if events & EPOLLOUT.rawValue != 0, slots[Int(index)].stage == .connecting {
            writable(index)
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0, isCurrent(index, serial) {
            readable(index, untilEnd: events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0)
        }
    }

    private func isCurrent(_ index: Int32, _ serial: UInt32) -> Bool {
        index >= 0 && Int(index) < slots.count && slots[Int(index)].serial == serial && slots[Int(index)].fd >= 0
    }

    /// Writes the request (or what is left of it). Speculatively in the turn the connect started, as
    /// HAProxy does: on loopback the handshake is done by then, which saves waiting for writability.
    func sendRequest(_ index: Int32) {
        guard let probe = slots[Int(index)].probe else { return }
        if slots[Int(index)].unsent.isEmpty {
            // A gRPC check never gets here: `begin` refuses it before any socket is opened.
            write(index, probe.request.subject.requestBytes)
        } else {
            let unsent = slots[Int(index)].unsent
            slots[Int(index)].unsent = []
            write(index, unsent)
        }
    }

    private func write(_ index: Int32, _ bytes: [UInt8]) {
        let result = bytes.withUnsafeBytes { ProbeSocket.send(slots[Int(index)].fd, $0) }
        if result == bytes.count {
            requestWritten(index)
        } else if result >= 0 || result == -Int(EAGAIN) {
            slots[Int(index)].unsent = Array(bytes[max(0, result)...])
            watchWritable(index)
        } else if slots[Int(index)].probe?.onReusedConnection == true {
            retryOnFreshConnection(index)
        } else {
            fail(index, errno: Int32(-result))
        }
    }

    /// The rest of a request waits for room: make sure a writable event will say when (a socket with
    /// a request to write is first watched for reading only).
    private func watchWritable(_ index: Int32) {
        guard !slots[Int(index)].watchesWritable else { return }
        slots[Int(index)].watchesWritable = true
        let error = poller.modify(slots[Int(index)].fd, token: slots[Int(index)].token(index), writable: true)
        if error != 0 { fail(index, errno: error) }
    }

    private func requestWritten(_ index: Int32) {
        slots[Int(index)].stage = .waitingForReply
        guard let probe = slots[Int(index)].probe, case .tcp(let tcp) = probe.request.check.kind, tcp.expectedResponse == nil else { return }
        finish(index, ProbeVerdict.tcp(reply: nil, latency: elapsed(probe), check: tcp, spec: probe.request.check))
    }

    /// Writable while connecting: the connect finished (or failed), or the socket buffer has room again.
    private func writable(_ index: Int32) {
        guard let probe = slots[Int(index)].probe else { return }
        if !slots[Int(index)].unsent.isEmpty {
            sendRequest(index)
            return
        }
        guard !sendsOnConnect(probe.request.check) else { return }
        let error = ProbeSocket.pendingError(slots[Int(index)].fd)
        guard error == 0 else {
            fail(index, errno: error)
            return
        }
        requestWritten(index)
    }

    private func socketFailed(_ index: Int32) {
        guard slots[Int(index)].stage != .idle else {
            close(index)
            return
        }
        let error = ProbeSocket.pendingError(slots[Int(index)].fd)
        if slots[Int(index)].probe?.onReusedConnection == true, (slots[Int(index)].http?.received ?? 0) == 0 {
            retryOnFreshConnection(index)
        } else {
            fail(index, errno: error == 0 ? ECONNRESET : error)
        }
    }

    /// Reads what arrived. A read that does not fill the buffer took everything there was: with
    /// edge-triggered events, more data raises a new event, so no read is wasted on EAGAIN (unless the
    /// peer also closed: then read to the end).
    private func readable(_ index: Int32, untilEnd: Bool) {
        guard slots[Int(index)].stage != .idle else {
            // An edge-triggered event can report data a read already took with the last response; only
            // a connection the server closed (or wrote to unasked) is given up.
            if ProbeSocket.receive(slots[Int(index)].fd, into: readBuffer) != -Int(EAGAIN) { close(index) }
            return
        }
        guard slots[Int(index)].probe != nil else { return }
        while true {
            let count = ProbeSocket.receive(slots[Int(index)].fd, into: readBuffer)
            if count > 0 {
                if slots[Int(index)].stage == .connecting { slots[Int(index)].stage = .waitingForReply }
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
                if slots[Int(index)].probe?.onReusedConnection == true, (slots[Int(index)].http?.received ?? 0) == 0 {
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
        guard let probe = slots[Int(index)].probe else { return false }
        let spec = probe.request.sharedCheck  // the box, not a copy of the check (see `begin`)
        switch spec.value.kind {
        case .http(let http):
            switch slots[Int(index)].http?.consume(bytes) ?? .malformed {
            case .needMore:
                return true
            case .complete(let response):
                let outcome = ProbeVerdict.http(status: response.status, body: response.body, latency: elapsed(probe), check: http, spec: spec.value)
                finish(index, outcome, keepAlive: response.reusable)
            case .malformed:
                fail(index, .other, "malformed HTTP response")
            }
        case .tcp(let tcp):
            if slots[Int(index)].tcpReply.count < HTTPResponseReader.maxKeptBody {
                slots[Int(index)].tcpReply.append(contentsOf: bytes.prefix(HTTPResponseReader.maxKeptBody - slots[Int(index)].tcpReply.count))
            }
            let reply = slots[Int(index)].tcpReply
            let text = String(decoding: reply, as: UTF8.self)
            guard let expected = tcp.expectedResponse, text.contains(expected) || reply.count >= HTTPResponseReader.maxKeptBody else { return true }
            finish(index, ProbeVerdict.tcp(reply: text, latency: elapsed(probe), check: tcp, spec: spec.value))
        case .grpc:
            preconditionFailure(SecureProber.notOnReactor)
        }
        return false
    }

    /// The server closed the connection.
    private func ended(_ index: Int32) {
        guard let probe = slots[Int(index)].probe else { return }
        switch probe.request.check.kind {
        case .http(let http):
            if let response = slots[Int(index)].http?.end() {
                finish(index, ProbeVerdict.http(status: response.status, body: response.body, latency: elapsed(probe), check: http, spec: probe.request.check))
            } else if probe.onReusedConnection, (slots[Int(index)].http?.received ?? 0) == 0 {
                retryOnFreshConnection(index)
            } else {
                fail(index, .reset, "connection closed before a full response", status: slots[Int(index)].http?.status)
            }
        case .tcp(let tcp):
            let reply = slots[Int(index)].tcpReply
            finish(index, ProbeVerdict.tcp(reply: reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self), latency: elapsed(probe), check: tcp, spec: probe.request.check))
        case .grpc:
            preconditionFailure(SecureProber.notOnReactor)
        }
    }
}
