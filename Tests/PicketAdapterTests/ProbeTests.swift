import NIOCore
import NIOPosix
import PicketCore
import PicketProbes
import PicketTestSupport
import Testing

@Suite struct ProbeTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func probe(_ address: String, _ check: HealthCheckSpec) async throws -> ProbeOutcome {
        let prober = try Prober()
        return await prober.probe(address, check)
    }

    func http(expectedBody: String? = nil, timeout: Duration = .milliseconds(300), maxResponseTime: Duration? = nil) -> HealthCheckSpec {
        HealthCheckSpec(kind: .http(HTTPCheck(path: "/health", expectedBody: expectedBody)), timeout: timeout, maxResponseTime: maxResponseTime)
    }

    @Test func passesOnA200AndMeasuresLatency() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let outcome = try await probe(backend.address, http(expectedBody: "backend a"))
        #expect(outcome.passed)
        #expect(outcome.evidence.statusCode == 200)
        #expect((outcome.evidence.latency ?? .zero) > .zero)
        try await backend.stop()
    }

    @Test func classifiesA500AsBadStatus() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .answer(status: 500, body: "boom")
        let outcome = try await probe(backend.address, http())
        #expect(outcome.failureClass == .badStatus)
        #expect(outcome.evidence.statusCode == 500)
        try await backend.stop()
    }

    @Test func classifiesAWrongBodyAsBadBody() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .answer(status: 200, body: "maintenance")
        let outcome = try await probe(backend.address, http(expectedBody: "ok"))
        #expect(outcome.failureClass == .badBody)
        try await backend.stop()
    }

    /// Picket does not ask for `Connection: close`; the server keeps the connection open, and each check
    /// still gets a connection of its own (Picket ends it with a reset once the response is in).
    @Test func eachCheckOpensAConnectionOfItsOwnWhileTheServerWouldKeepItAlive() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let prober = try Prober()
        for ticket in 1...3 {
            #expect(await prober.probe(backend.address, http(), ticket: UInt64(ticket)).failureClass == nil)
        }
        #expect(backend.requestsServed == 3)
        #expect(backend.connectionsAccepted == 3)
        try await backend.stop()
    }

    @Test func classifiesASlowButCorrectAnswerAsSlow() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .delay(.milliseconds(120), status: 200, body: "ok")
        let outcome = try await probe(backend.address, http(maxResponseTime: .milliseconds(50)))
        #expect(outcome.failureClass == .slow)
        #expect((outcome.evidence.latency ?? .zero) >= .milliseconds(120))
        try await backend.stop()
    }

    /// Replies on kept connections are read on the engine's tick, not when they come; the latency is
    /// still the time they took to come (the kernel's arrival stamp), for a fast answer and a slow one.
    @Test(arguments: [Int64(0), 120])
    func aReplyReadOnALaterTickReportsWhenItCame(delayMs: Int64) async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .delay(.milliseconds(delayMs), status: 200, body: "ok")
        let prober = try Prober(replyTick: 400_000_000)
        var check = http(timeout: .seconds(2))
        check.reuseConnection = true
        let started = ContinuousClock.now
        let outcome = await prober.probe(backend.address, check)
        let waited = ContinuousClock.now - started
        let latency = try #require(outcome.evidence.latency)
        #expect(outcome.passed)
        #expect(latency >= .milliseconds(delayMs) && latency < .milliseconds(delayMs + 60), "latency \(latency), read after \(waited)")
        #expect(waited < .milliseconds(900), "read by the tick after it came")
        try await backend.stop()
    }

    @Test func timesOutOnABackendThatAcceptsButNeverAnswers() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .hang
        let outcome = try await probe(backend.address, http(timeout: .milliseconds(200)))
        #expect(outcome.failureClass == .timeout)
        try await backend.stop()
    }

    @Test func classifiesAClosedPortAsRefused() async throws {
        let outcome = try await probe("127.0.0.1:\(freePort())", http())
        #expect(outcome.failureClass == .refused)
    }

    @Test func classifiesAConnectionClosedWithoutAnswerAsReset() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .closeAtOnce
        let outcome = try await probe(backend.address, http())
        #expect(outcome.failureClass == .reset)
        try await backend.stop()
    }

    @Test func classifiesAnUnresolvableNameAsDNS() async throws {
        let outcome = try await probe("no-such-host.invalid:80", http(timeout: .seconds(2)))
        #expect(outcome.failureClass == .dns)
    }

    @Test func tcpCheckSendsProbeDataAndRequiresTheExpectedReply() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        let passing = HealthCheckSpec(kind: .tcp(TCPCheck(probeData: "GET / HTTP/1.0\r\n\r\n", expectedResponse: "backend a")), timeout: .milliseconds(500))
        #expect(try await probe(backend.address, passing).passed)
        let failing = HealthCheckSpec(kind: .tcp(TCPCheck(probeData: "GET / HTTP/1.0\r\n\r\n", expectedResponse: "PONG")), timeout: .milliseconds(500))
        #expect(try await probe(backend.address, failing).failureClass == .badBody)
        let connectOnly = HealthCheckSpec(kind: .tcp(TCPCheck()), timeout: .milliseconds(500))
        #expect(try await probe(backend.address, connectOnly).passed)
        #expect(try await probe("127.0.0.1:\(freePort())", connectOnly).failureClass == .refused)
        try await backend.stop()
    }

    @Test func queuedProbesStartTheirTimeoutOnlyWhenSent() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .delay(.milliseconds(100), status: 200, body: "ok")
        let prober = try Prober(maxConcurrent: 1)
        let check = HealthCheckSpec(kind: .http(HTTPCheck()), timeout: .milliseconds(300))
        let outcomes: [ProbeOutcome] = await withTaskGroup(of: ProbeOutcome.self) { tasks in
            for ticket in 1...4 {
                tasks.addTask { await prober.probe(backend.address, check, ticket: UInt64(ticket)) }
            }
            var collected: [ProbeOutcome] = []
            for await outcome in tasks { collected.append(outcome) }
            return collected
        }
        #expect(outcomes.count == 4)
        let passed = outcomes.filter(\.passed).count
        #expect(passed == 4, "four 100 ms probes in series take 400 ms, beyond the 300 ms timeout, yet none may time out")
        try await backend.stop()
    }

    @Test func anEdgeProbeIsShedWhenEverySlotIsTakenAndSentWhenOneIsFree() async throws {
        let backend = try await ScriptedBackend(name: "a", group: group)
        backend.behaviour = .delay(.milliseconds(300), status: 200, body: "ok")
        let prober = try Prober(maxConcurrent: 1)
        let check = HealthCheckSpec(kind: .http(HTTPCheck()), timeout: .seconds(2))
        async let first = prober.probe(backend.address, check, ticket: 1)
        while backend.connectionsAccepted == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let edge = await prober.probe(backend.address, check, ticket: 2, edge: true)
        #expect(edge == .shed, "the only slot is taken: \(edge)")
        #expect(backend.connectionsAccepted == 1, "a shed edge never connects")
        #expect(await first.passed)
        let sent = await prober.probe(backend.address, check, ticket: 3, edge: true)
        #expect(sent.passed, "with the slot free the edge goes out: \(sent)")
        #expect(backend.connectionsAccepted == 2)
        try await backend.stop()
    }
}
