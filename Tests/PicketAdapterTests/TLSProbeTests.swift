import Foundation
import PicketCore
import PicketTestSupport
import Testing

/// HTTPS and TCP-over-TLS checks against a real nginx serving certificates made by `openssl` for the
/// test: each kind of bad certificate fails with class `tls` and its own evidence.
@Suite(.serialized) struct TLSProbeTests {
    static func https(_ tls: TLSSpec, timeout: Duration = .seconds(2)) -> HealthCheckSpec {
        HealthCheckSpec(kind: .http(HTTPCheck(path: "/health", expectedBody: "ok")), tls: tls, timeout: timeout)
    }

    /// Runs `body` with fresh certificates and a TLS nginx, and stops both.
    func withServer(_ body: (TLSCertificates, TLSNginx, Prober) async throws -> Void) async throws {
        let certificates = try await TLSCertificates.make()
        let nginx = try await TLSNginx(certificates: certificates)
        do {
            try await body(certificates, nginx, try Prober())
        } catch {
            await nginx.stop()
            certificates.remove()
            throw error
        }
        await nginx.stop()
        certificates.remove()
    }

    @Test func aValidCertificateFromTheConfiguredCAPassesAndReportsItsExpiry() async throws {
        try await withServer { certificates, nginx, prober in
            let outcome = await prober.probe(nginx.address(.serving(.valid)), Self.https(TLSSpec(caFile: certificates.caFile)))
            #expect(outcome.passed, "\(outcome)")
            #expect(outcome.evidence.statusCode == 200)
            let now = Int64(Date().timeIntervalSince1970)
            let expiry = try #require(outcome.evidence.certificateExpiry)
            #expect(expiry > now + 29 * 86_400 && expiry <= now + 31 * 86_400, "the test certificate is valid for 30 days")
            let named = await prober.probe(nginx.address(.serving(.valid)), Self.https(TLSSpec(caFile: certificates.caFile, serverName: "localhost")))
            #expect(named.passed, "SNI and verification by name: \(named)")
        }
    }

    @Test(arguments: [
        (TLSCertificates.Leaf.expired, TLSFailure.expired),
        (.notYetValid, .notYetValid),
        (.wrongName, .nameMismatch),
        (.selfSigned, .unknownCA),
    ])
    func aBadCertificateFailsAsTLSWithItsKind(leaf: TLSCertificates.Leaf, kind: TLSFailure) async throws {
        try await withServer { certificates, nginx, prober in
            let outcome = await prober.probe(nginx.address(.serving(leaf)), Self.https(TLSSpec(caFile: certificates.caFile)))
            #expect(outcome.failureClass == .tls, "\(outcome)")
            #expect(outcome.evidence.tls == kind, "\(outcome)")
            #expect(outcome.evidence.description.hasPrefix(kind.rawValue))
            if leaf == .expired {
                #expect(outcome.evidence.certificateExpiry == 1_580_515_200, "2020-02-01, seen although verification refused it")
            }
        }
    }

    @Test func theSystemCAsDoNotTrustTheTestCA() async throws {
        try await withServer { _, nginx, prober in
            let outcome = await prober.probe(nginx.address(.serving(.valid)), Self.https(TLSSpec()))
            #expect(outcome.evidence.tls == .unknownCA, "\(outcome)")
        }
    }

    @Test func verifyFalseAcceptsASelfSignedCertificateAndStillReportsItsExpiry() async throws {
        try await withServer { _, nginx, prober in
            let outcome = await prober.probe(nginx.address(.serving(.selfSigned)), Self.https(TLSSpec(verify: false)))
            #expect(outcome.passed, "\(outcome)")
            #expect(outcome.evidence.certificateExpiry != nil)
        }
    }

    @Test func aServerRequiringAClientCertificatePassesWithOneAndFailsWithout() async throws {
        try await withServer { certificates, nginx, prober in
            let address = nginx.address(.requiringClientCertificate)
            let with = TLSSpec(caFile: certificates.caFile, clientCertificate: certificates.certificate(.client), clientKey: certificates.key(.client))
            let passed = await prober.probe(address, Self.https(with))
            #expect(passed.passed, "\(passed)")
            let refused = await prober.probe(address, Self.https(TLSSpec(caFile: certificates.caFile)))
            #expect(!refused.passed, "\(refused)")
            #expect(refused.evidence.statusCode == 400, "nginx answers 400 'No required SSL certificate was sent': \(refused)")
        }
    }

    @Test func tlsToAPlainHTTPPortIsAProtocolError() async throws {
        try await withServer { certificates, nginx, prober in
            let outcome = await prober.probe(nginx.address(.plainHTTP), Self.https(TLSSpec(caFile: certificates.caFile)))
            #expect(outcome.failureClass == .tls && outcome.evidence.tls == .protocolError, "\(outcome)")
        }
    }

    @Test func aServerThatAcceptsButNeverHandsShakesIsAHandshakeTimeout() async throws {
        let backend = try await RawBackend(pieces: [], closeAfter: false, group: .singletonMultiThreadedEventLoopGroup)
        let outcome = try await Prober().probe(backend.address, Self.https(TLSSpec(verify: false), timeout: .milliseconds(300)))
        #expect(outcome.failureClass == .tls && outcome.evidence.tls == .handshakeTimeout, "\(outcome)")
        try await backend.stop()
    }

    @Test func aTLSEdgeProbeIsShedWhileEverySlotIsTaken() async throws {
        let backend = try await RawBackend(pieces: [], closeAfter: false, group: .singletonMultiThreadedEventLoopGroup)
        let prober = try Prober(maxConcurrent: 1)
        let check = Self.https(TLSSpec(verify: false), timeout: .milliseconds(500))
        async let hung = prober.probe(backend.address, check, ticket: 1)
        try await Task.sleep(for: .milliseconds(100))
        let edge = await prober.probe(backend.address, check, ticket: 2, edge: true)
        #expect(edge == .shed, "\(edge)")
        #expect(await hung.evidence.tls == .handshakeTimeout)
        let sent = await prober.probe(backend.address, check, ticket: 3, edge: true)
        #expect(sent.evidence.tls == .handshakeTimeout, "with the place free the edge is made: \(sent)")
        try await backend.stop()
    }

    @Test func aTCPCheckOverTLSPassesOnTheHandshakeAndChecksTheReply() async throws {
        try await withServer { certificates, nginx, prober in
            let address = nginx.address(.serving(.valid))
            let connect = HealthCheckSpec(kind: .tcp(TCPCheck()), tls: TLSSpec(caFile: certificates.caFile))
            let passed = await prober.probe(address, connect)
            #expect(passed.passed && passed.evidence.certificateExpiry != nil, "\(passed)")
            let exchange = HealthCheckSpec(
                kind: .tcp(TCPCheck(probeData: "GET /health HTTP/1.0\r\n\r\n", expectedResponse: "200 OK")), tls: TLSSpec(caFile: certificates.caFile))
            #expect(await prober.probe(address, exchange).passed)
            let expired = await prober.probe(nginx.address(.serving(.expired)), connect)
            #expect(expired.evidence.tls == .expired, "\(expired)")
        }
    }
}
