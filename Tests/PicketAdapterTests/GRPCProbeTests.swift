import Foundation
import PicketCore
import PicketTestSupport
import Testing

/// gRPC health checks (grpc.health.v1.Health/Check) against a real gRPC server on loopback.
@Suite(.serialized) struct GRPCProbeTests {
    static func grpc(_ service: String = "", tls: TLSSpec? = nil, timeout: Duration = .seconds(2)) -> HealthCheckSpec {
        HealthCheckSpec(kind: .grpc(GRPCCheck(service: service)), tls: tls, timeout: timeout)
    }

    @Test func servingPassesAndEveryOtherStatusFailsAsNotServing() async throws {
        let server = try await GRPCHealthServer(statuses: ["": "SERVING", "api": "NOT_SERVING", "jobs": "UNKNOWN"])
        let prober = try Prober()
        let serving = await prober.probe(server.address, Self.grpc())
        #expect(serving.passed, "\(serving)")
        #expect(serving.evidence.message == "SERVING")
        let notServing = await prober.probe(server.address, Self.grpc("api"))
        #expect(notServing.failureClass == .notServing && notServing.evidence.message == "NOT_SERVING", "\(notServing)")
        let unknown = await prober.probe(server.address, Self.grpc("jobs"))
        #expect(unknown.failureClass == .notServing && unknown.evidence.message == "UNKNOWN", "\(unknown)")
        try server.set(["": "NOT_SERVING"])
        #expect(await prober.probe(server.address, Self.grpc()).failureClass == .notServing)
        await server.stop()
    }

    @Test func anUnknownServiceFailsAsUnknownService() async throws {
        let server = try await GRPCHealthServer()
        let outcome = try await Prober().probe(server.address, Self.grpc("nope"))
        #expect(outcome.failureClass == .unknownService, "\(outcome)")
        #expect(outcome.evidence.message?.contains("notFound") == true || outcome.evidence.message?.contains("NOT_FOUND") == true, "\(outcome)")
        await server.stop()
    }

    @Test func aServerWithoutTheHealthServiceFailsAsUnimplemented() async throws {
        let server = try await GRPCHealthServer(health: false)
        let outcome = try await Prober().probe(server.address, Self.grpc())
        #expect(outcome.failureClass == .unimplemented, "\(outcome)")
        await server.stop()
    }

    @Test func aHungServerFailsAsTimeoutAndAClosedPortAsUnavailable() async throws {
        let backend = try await RawBackend(pieces: [], closeAfter: false, group: .singletonMultiThreadedEventLoopGroup)
        let prober = try Prober()
        let hung = await prober.probe(backend.address, Self.grpc(timeout: .milliseconds(300)))
        #expect(hung.failureClass == .timeout, "\(hung)")
        #expect((hung.evidence.latency ?? .zero) < .seconds(2))
        try await backend.stop()
        let closed = await prober.probe("127.0.0.1:\(freePort())", Self.grpc())
        #expect(closed.failureClass == .unavailable, "\(closed)")
    }

    @Test func overTLSItVerifiesTheCertificateAndReportsItsExpiry() async throws {
        let certificates = try await TLSCertificates.make()
        let server = try await GRPCHealthServer(tls: (certificates.certificate(.valid), certificates.key(.valid)))
        let prober = try Prober()
        let passed = await prober.probe(server.address, Self.grpc(tls: TLSSpec(caFile: certificates.caFile)))
        #expect(passed.passed, "\(passed)")
        #expect(passed.evidence.certificateExpiry != nil)
        let untrusted = await prober.probe(server.address, Self.grpc(tls: TLSSpec()))
        #expect(untrusted.failureClass == .tls && untrusted.evidence.tls == .unknownCA, "\(untrusted)")
        let plaintext = await prober.probe(server.address, Self.grpc(timeout: .milliseconds(500)))
        #expect(!plaintext.passed, "plaintext to a TLS port: \(plaintext)")
        await server.stop()
        certificates.remove()
    }
}
