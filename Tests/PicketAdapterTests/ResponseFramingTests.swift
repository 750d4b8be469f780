import NIOPosix
import PicketCore
import PicketTestSupport
import Testing

/// The engine reads its sockets itself and frames responses with NIO's decoder: the framings a server may
/// use, end to end on loopback (`HTTPResponseReaderTests` feeds the reader the same pieces without sockets).
@Suite struct ResponseFramingTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// A timeout far above the few milliseconds these answers take: framing is under test, not speed,
    /// and the whole suite in parallel once held the backend's scheduled writes back for 500 ms.
    func check(expectedBody: String? = nil, method: String = "GET") -> HealthCheckSpec {
        HealthCheckSpec(kind: .http(HTTPCheck(method: method, path: "/health", expectedBody: expectedBody)), timeout: .seconds(4))
    }

    func outcome(_ pieces: [String], closeAfter: Bool = false, _ check: HealthCheckSpec) async throws -> ProbeOutcome {
        let backend = try await RawBackend(pieces: pieces, closeAfter: closeAfter, group: group)
        let prober = try Prober()
        let outcome = await prober.probe(backend.address, check)
        try await backend.stop()
        return outcome
    }

    @Test func readsAChunkedBodyWhoseExpectedTextSpansChunks() async throws {
        let outcome = try await outcome(
            ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n", "6;ext=1\r\nsystem\r\n2\r\ns \r\n", "2\r\ngo\r\n0\r\nX-Trailer: 1\r\n\r\n"],
            check(expectedBody: "all systems go"))
        #expect(outcome.passed, "\(outcome)")
    }

    @Test func readsABodyThatEndsWithTheConnection() async throws {
        let outcome = try await outcome(["HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhealthy", " and well"], closeAfter: true, check(expectedBody: "and well"))
        #expect(outcome.passed, "\(outcome)")
    }

    @Test func readsAResponseArrivingAFewBytesAtATime() async throws {
        let response = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 11\r\n\r\nmaintenance"
        let pieces = stride(from: 0, to: response.count, by: 3).map { String(Array(response)[$0..<min($0 + 3, response.count)]) }
        let outcome = try await outcome(pieces, check())
        #expect(outcome.failureClass == .badStatus && outcome.evidence.statusCode == 503, "\(outcome)")
    }

    @Test func skipsAnInterimResponse() async throws {
        let outcome = try await outcome(["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n"], check())
        #expect(outcome.passed && outcome.evidence.statusCode == 204, "\(outcome)")
    }

    @Test func expectsNoBodyAfterAHeadRequest() async throws {
        let outcome = try await outcome(["HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"], check(method: "HEAD"))
        #expect(outcome.passed, "a HEAD answer announces a body it does not send: \(outcome)")
    }

    @Test func aBodyCutShortIsAReset() async throws {
        let outcome = try await outcome(["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"], closeAfter: true, check())
        #expect(outcome.failureClass == .reset && outcome.evidence.statusCode == 200, "\(outcome)")
    }

    @Test func anAnswerThatIsNotHTTPIsMalformed() async throws {
        let outcome = try await outcome(["SSH-2.0-OpenSSH_9.2\r\n\r\n"], check())
        #expect(outcome.failureClass == .other && outcome.evidence.message == "malformed HTTP response", "\(outcome)")
    }
}
