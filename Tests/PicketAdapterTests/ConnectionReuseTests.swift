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

    /// Checks from the core name their record's slot, which finds the idle connection; a slot given to
    /// another backend must not lead to the first one's connection.
    @Test func aRecordsSlotFindsItsBackendsConnectionAndNoOtherBackends() async throws {
        let first = try await ScriptedBackend(name: "a", group: group)
        let second = try await ScriptedBackend(name: "b", group: group)
        let prober = try Prober()
        for _ in 0..<3 { #expect(await prober.probe(first.address, check(), slot: 5).passed) }
        #expect(first.connectionsAccepted == 1, "three checks through slot 5 share one connection")
        #expect(await prober.probe(second.address, check(), slot: 5).passed)
        #expect(second.connectionsAccepted == 1 && first.connectionsAccepted == 1, "slot 5 now names another backend: its own connection")
        #expect(await prober.probe(first.address, check(), slot: 6).passed)
        #expect(first.connectionsAccepted == 2, "the first backend under another slot (removed and added again) opens a fresh one")
        #expect(await prober.probe(second.address, check(), slot: 5).passed)
        #expect(second.connectionsAccepted == 1, "the second backend's connection was kept under slot 5")
        try await first.stop()
        try await second.stop()
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
