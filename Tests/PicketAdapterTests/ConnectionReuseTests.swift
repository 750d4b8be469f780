import NIOPosix
import PicketCore
import PicketTestSupport
import Testing

/// `reuse_connection`: one keep-alive connection per backend, renewed after `max_checks_per_connection`
/// checks or when the server closes it, against real servers on loopback.
@Suite struct ConnectionReuseTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func check(reuse: Bool = true, maxChecks: Int = 10) -> HealthCheckSpec {
        HealthCheckSpec(kind: .http(HTTPCheck(path: "/health")), timeout: .milliseconds(500), reuseConnection: reuse, maxChecksPerConnection: maxChecks)
    }

    @Test func checksShareOneConnectionUntilTheLimitThenOpenAFreshOne() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let prober = try Prober()
        for _ in 0..<5 { #expect(await prober.probe(backend.address, check(maxChecks: 4)).passed) }
        #expect(backend.requestsServed == 5)
        #expect(backend.connectionsAccepted == 2, "checks 1-4 on the first connection, the 5th on a second")
        try await backend.stop()
    }

    @Test func withoutReuseEveryCheckOpensItsOwnConnection() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let prober = try Prober()
        for _ in 0..<3 { #expect(await prober.probe(backend.address, check(reuse: false)).passed) }
        #expect(backend.connectionsAccepted == 3)
        try await backend.stop()
    }

    @Test func aBackendThatStopsAcceptingIsCaughtWithinMaxChecksPerConnection() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let prober = try Prober()
        let reusing = check(maxChecks: 3)
        #expect(await prober.probe(backend.address, reusing).passed, "the first check opens the connection")
        try await backend.stop()  // no new connections; the open one still answers
        var outcomes: [ProbeOutcome] = []
        for _ in 0..<3 { outcomes.append(await prober.probe(backend.address, reusing)) }
        #expect(outcomes.map(\.passed) == [true, true, false], "checks 2 and 3 ride the old connection; the 4th needs a new one")
        #expect(outcomes.last?.failureClass == .refused)
    }

    @Test func aServerThatClosesAfterEachResponseIsCheckedOnFreshConnections() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .answerThenClose(status: 200, body: "ok", after: .zero)
        let prober = try Prober()
        for _ in 0..<4 {
            #expect(await prober.probe(backend.address, check()).passed)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(backend.requestsServed == 4 && backend.connectionsAccepted == 4)
        try await backend.stop()
    }

    @Test func aCheckSentOnAConnectionTheServerIsClosingIsRetriedOnAFreshOne() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .answerThenClose(status: 200, body: "ok", after: .milliseconds(300))
        let prober = try Prober()
        #expect(await prober.probe(backend.address, check()).passed)
        let second = await prober.probe(backend.address, check())
        #expect(second.passed, "the kept connection closes unanswered; the retry on a new one passes: \(second)")
        #expect(backend.requestsServed == 2 && backend.connectionsAccepted == 2)
        try await backend.stop()
    }
}
