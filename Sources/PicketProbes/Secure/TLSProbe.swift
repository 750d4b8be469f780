import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PicketCore

/// One HTTPS check, or one TCP check over TLS, on a fresh connection: connect, handshake (verifying
/// the chain and the name unless `verify: false`), then the same exchange and the same verdict as the
/// plain check. The certificate's expiry travels with every verdict once the server presented one.
struct TLSProbe: Sendable {
    let group: any EventLoopGroup
    let contexts: TLSContexts

    func run(_ request: ProbeRequest, tls: TLSSpec) async -> ProbeOutcome {
        let started = ContinuousClock.now
        let record = NIOLockedValueBox(HandshakeWatch.Record())
        let reply: Result<Reply, any Error>
        do {
            let context = try contexts.context(for: tls)
            reply = await exchange(request, tls: tls, context: context, record: record)
        } catch {
            return .failed(.tls, ProbeEvidence(latency: .zero, message: "cannot set up TLS: \(error)", tls: .protocolError))
        }
        let latency = ContinuousClock.now - started
        let seen = record.withLockedValue { $0 }
        var outcome = Self.verdict(reply, seen: seen, request: request, latency: latency)
        if let expiry = seen.certificate?.notAfter { outcome = outcome.withCertificateExpiry(expiry) }
        return outcome
    }

    enum Reply: Sendable {
        case http(status: Int, body: String?)
        case stream(String?)
    }

    /// The probe's own deadline passed (the connect has one of its own).
    struct DeadlinePassed: Error {}

    static func verdict(_ reply: Result<Reply, any Error>, seen: HandshakeWatch.Record, request: ProbeRequest, latency: Duration) -> ProbeOutcome {
        let check = request.check
        switch reply {
        case .success(.http(let status, let body)):
            guard case .http(let http) = check.kind else { break }
            return ProbeVerdict.http(status: status, body: body, latency: latency, check: http, spec: check)
        case .success(.stream(let text)):
            guard case .tcp(let tcp) = check.kind else { break }
            return ProbeVerdict.tcp(reply: text, latency: latency, check: tcp, spec: check)
        case .failure(let error):
            return failure(error, seen: seen, latency: latency, timeout: check.timeout)
        }
        return .failed(.other, ProbeEvidence(latency: latency, message: "reply does not match the check"))
    }

    /// A failed exchange: a TLS failure with its kind, a handshake that outlived the deadline, or the
    /// same classes a plain check reports.
    static func failure(_ error: any Error, seen: HandshakeWatch.Record, latency: Duration, timeout: Duration) -> ProbeOutcome {
        let now = Int64(Date().timeIntervalSince1970)
        if let (kind, message) = seen.failure ?? TLSFailureClassifier.classify(error, certificate: seen.certificate, now: now) {
            return .failed(.tls, ProbeEvidence(latency: latency, message: message, tls: kind))
        }
        if error is DeadlinePassed {
            if seen.connected, !seen.handshakeDone {
                return .failed(.tls, ProbeEvidence(latency: latency, message: "no TLS handshake within \(timeout.shortDescription)", tls: .handshakeTimeout))
            }
            let what = seen.connected ? "no full response" : "no connection"
            return .failed(.timeout, ProbeEvidence(latency: latency, message: "\(what) within \(timeout.shortDescription)"))
        }
        return FailureClassifier.outcome(error, latency: latency)
    }

    private func exchange(
        _ request: ProbeRequest, tls: TLSSpec, context: NIOSSLContext, record: NIOLockedValueBox<HandshakeWatch.Record>
    ) async -> Result<Reply, any Error> {
        let check = request.check
        let serverName = TLSContexts.serverName(tls, target: request.target)
        let loop = group.next()
        let promise = loop.makePromise(of: Reply.self)
        let timeout = TimeAmount.nanoseconds(check.timeout.nanoseconds)
        let deadline = loop.scheduleTask(in: timeout) { promise.fail(DeadlinePassed()) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                // Closed with a reset, as the plain checks are: no TIME_WAIT socket per check.
                let linger = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)) ?? channel.eventLoop.makeSucceededVoidFuture()
                return linger.flatMapThrowing {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try sync.addHandler(HandshakeWatch(record: record))
                    switch check.kind {
                    case .http(let http):
                        try sync.addHandler(HTTPRequestEncoder())
                        try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder()))
                        let parts = HTTPRequestBytes.parts(http, host: serverName ?? request.target.hostText).map { NIOAny($0) }
                        let reader = HTTPReplyReader(head: http.method == "HEAD", keepBody: http.expectedBody != nil)
                        try sync.addHandler(TLSExchangeHandler(request: parts, reader: reader, promise: promise))
                    case .tcp(let tcp):
                        let reader = StreamReplyReader(expected: tcp.expectedResponse)
                        let data = tcp.probeData.map { [NIOAny(ByteBuffer(string: $0))] } ?? []
                        try sync.addHandler(TLSExchangeHandler(request: data, reader: reader, promise: promise))
                    case .grpc:
                        preconditionFailure("gRPC checks run on GRPCHealthProbe")
                    }
                }
            }
        let connected = request.target.connect(bootstrap)
        connected.whenFailure { promise.fail($0) }
        let result: Result<Reply, any Error>
        do {
            result = .success(try await promise.futureResult.get())
        } catch {
            result = .failure(error)
        }
        deadline.cancel()
        if let channel = try? await connected.get() {
            try? await channel.close(mode: CloseMode.all).get()
        }
        return result
    }
}

extension ProbeOutcome {
    /// The same verdict with the backend certificate's expiry added to its evidence.
    func withCertificateExpiry(_ expiry: Int64) -> ProbeOutcome {
        switch self {
        case .passed(var evidence):
            evidence.certificateExpiry = expiry
            return .passed(evidence)
        case .failed(let failureClass, var evidence):
            evidence.certificateExpiry = expiry
            return .failed(failureClass, evidence)
        case .inconclusive, .shed:
            return self
        }
    }
}

extension ServerAddress {
    /// The host as a name or address, for `Host:` and SNI (`localhost` for a unix socket).
    var hostText: String {
        switch kind {
        case .network(.ipv4(let ip), _), .network(.ipv6(let ip), _), .network(.name(let ip), _): return ip
        case .unix: return "localhost"
        }
    }

    func connect(_ bootstrap: ClientBootstrap) -> EventLoopFuture<any Channel> {
        switch kind {
        case .network(.ipv4(let host), let port), .network(.ipv6(let host), let port), .network(.name(let host), let port):
            return bootstrap.connect(host: host, port: port)
        case .unix(let path):
            return bootstrap.connect(unixDomainSocketPath: path)
        }
    }
}
