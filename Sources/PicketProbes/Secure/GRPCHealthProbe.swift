import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PicketCore

/// One gRPC health check: `grpc.health.v1.Health/Check` on a fresh HTTP/2 connection (plaintext or
/// TLS), as Kubernetes' kubelet and grpc-health-probe do. It passes only on status OK with `SERVING`.
///
/// A fresh connection per check, not one client per backend: a kept connection hides a server that no
/// longer accepts new ones (the same reason plain checks open one per check), and a client per backend
/// would need its own lifecycle and a reconnect backoff capped near the interval.
struct GRPCHealthProbe: Sendable {
    let group: any EventLoopGroup

    func run(_ request: ProbeRequest, check: GRPCCheck) async -> ProbeOutcome {
        let spec = request.check
        let started = ContinuousClock.now
        let record = NIOLockedValueBox(HandshakeWatch.Record())
        let status: Result<GRPCHealth.ServingStatus, any Error>
        do {
            let transport = try HTTP2ClientTransport.Posix(
                target: Self.target(request.target), transportSecurity: try Self.security(spec.tls),
                config: Self.config(spec, target: request.target, record: record), eventLoopGroup: group)
            var options = CallOptions.defaults
            options.timeout = spec.timeout
            options.waitForReady = false
            var metadata = Metadata()
            for field in check.metadata { metadata.addString(field.value, forKey: field.name.lowercased()) }
            let message = ClientRequest(message: check.service, metadata: metadata)
            status = .success(try await withGRPCClient(transport: transport) { client in
                try await client.unary(
                    request: message, descriptor: GRPCHealth.check, serializer: GRPCHealth.RequestSerializer(),
                    deserializer: GRPCHealth.ResponseDeserializer(), options: options
                ) { try $0.message }
            })
        } catch {
            status = .failure(error)
        }
        let latency = ContinuousClock.now - started
        let seen = record.withLockedValue { $0 }
        var outcome = Self.verdict(status, seen: seen, latency: latency, spec: spec)
        if let expiry = seen.certificate?.notAfter { outcome = outcome.withCertificateExpiry(expiry) }
        return outcome
    }

    /// SERVING passes; another serving status is `not_serving`; RPC errors map to their own classes.
    static func verdict(
        _ status: Result<GRPCHealth.ServingStatus, any Error>, seen: HandshakeWatch.Record, latency: Duration, spec: HealthCheckSpec
    ) -> ProbeOutcome {
        switch status {
        case .success(.serving):
            if let limit = spec.maxResponseTime, latency > limit {
                return .failed(.slow, ProbeEvidence(latency: latency, message: "SERVING, but slower than \(limit.shortDescription)"))
            }
            return .passed(ProbeEvidence(latency: latency, message: "SERVING"))
        case .success(let other):
            return .failed(.notServing, ProbeEvidence(latency: latency, message: other.name))
        case .failure(let error):
            guard let rpc = error as? RPCError else { return TLSProbe.failure(error, seen: seen, latency: latency, timeout: spec.timeout) }
            let evidence = ProbeEvidence(latency: latency, message: "grpc-status \(rpc.code)" + (rpc.message.isEmpty ? "" : ": \(rpc.message)"))
            switch rpc.code {
            case .notFound: return .failed(.unknownService, evidence)
            case .unimplemented: return .failed(.unimplemented, evidence)
            case .deadlineExceeded:
                if seen.connected, spec.tls != nil, !seen.handshakeDone {
                    return .failed(.tls, ProbeEvidence(latency: latency, message: "no TLS handshake within \(spec.timeout.shortDescription)", tls: .handshakeTimeout))
                }
                return .failed(.timeout, evidence)
            case .unavailable:
                if let (kind, message) = seen.failure { return .failed(.tls, ProbeEvidence(latency: latency, message: message, tls: kind)) }
                if let cause = rpc.cause, case .failed(let failureClass, var plain) = FailureClassifier.outcome(cause, latency: latency),
                    failureClass == .refused || failureClass == .dns {
                    plain.message = "\(evidence.message ?? ""); \(plain.message ?? "")"
                    return .failed(.unavailable, plain)
                }
                return .failed(.unavailable, evidence)
            default: return .failed(.other, evidence)
            }
        }
    }

    static func target(_ address: ServerAddress) -> any ResolvableTarget {
        switch address.kind {
        case .network(.ipv4(let ip), let port): return .ipv4(address: ip, port: port)
        case .network(.ipv6(let ip), let port): return .ipv6(address: ip, port: port)
        case .network(.name(let name), let port): return .dns(host: name, port: port)
        case .unix(let path): return .unixDomainSocket(path: path)
        }
    }

    static func security(_ tls: TLSSpec?) throws -> HTTP2ClientTransport.Posix.TransportSecurity {
        guard let tls else { return .plaintext }
        return .tls { config in
            config.serverCertificateVerification = tls.verify ? .fullVerification : .noVerification
            if let ca = tls.caFile { config.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            if let certificate = tls.clientCertificate, let key = tls.clientKey {
                config.certificateChain = [.file(path: certificate, format: .pem)]
                config.privateKey = .file(path: key, format: .pem)
            }
        }
    }

    /// One connection attempt within the check's deadline (no reconnect backoff to wait out), SNI and
    /// `:authority` from `server_name`, and a `HandshakeWatch` behind the TLS handler.
    static func config(_ spec: HealthCheckSpec, target: ServerAddress, record: NIOLockedValueBox<HandshakeWatch.Record>) -> HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.backoff = .init(initial: spec.timeout, max: spec.timeout, multiplier: 1, jitter: 0)
        if let tls = spec.tls { config.http2.authority = TLSContexts.serverName(tls, target: target) }
        config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                if let ssl = try? sync.handler(type: NIOSSLClientHandler.self) {
                    try sync.addHandler(HandshakeWatch(record: record), position: .after(ssl))
                } else {
                    try sync.addHandler(HandshakeWatch(record: record), position: .first)
                }
            }
        }
        return config
    }
}
