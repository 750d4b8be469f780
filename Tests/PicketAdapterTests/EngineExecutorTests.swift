import NIOConcurrencyHelpers
import NIOPosix
import PicketCore
@testable import PicketProbes
import PicketTestSupport
import Testing

/// The controller's loop runs on the probe engine's thread (`ProbeEngine` is a `TaskExecutor`).
@Suite struct EngineExecutorTests {
    @Test func aTaskPreferringTheEngineRunsOnItsThreadAndKeepsToItAcrossAProbe() async throws {
        let backend = try await ScriptedBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton)
        let prober = try Prober()
        let engine = prober.engine
        let (before, outcome, after) = await withTaskExecutorPreference(engine) {
            let before = engine.onEngineThread
            let outcome = await prober.probe(backend.address, HealthCheckSpec(kind: .http(HTTPCheck(path: "/health"))))
            return (before, outcome, engine.onEngineThread)
        }
        #expect(before)
        #expect(outcome.passed)
        #expect(after)
        #expect(!engine.onEngineThread)
        try await backend.stop()
    }

    @Test func probesSubmittedFromTheEngineThreadAreAllAnswered() async throws {
        let prober = try Prober(maxConcurrent: 2)
        let engine = prober.engine
        let port = freePort()
        let outcomes = await withTaskExecutorPreference(engine) {
            await withTaskGroup(of: ProbeOutcome.self) { group in
                for ticket in 1...5 {
                    group.addTask { await prober.probe("127.0.0.1:\(port)", HealthCheckSpec(kind: .tcp(TCPCheck())), ticket: UInt64(ticket)) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(outcomes.count == 5)
        #expect(outcomes.allSatisfy { $0.failureClass == .refused })
    }

    /// Requests go out at the end of the engine's turn: a check that is over once its request is
    /// written (TCP, `probe_data`, nothing to expect) ends there, and the task waiting for it on the
    /// engine's thread must still run, though nothing else will wake the engine.
    @Test func aCheckThatEndsWhenItsRequestIsWrittenReachesATaskOnTheEngineThread() async throws {
        let backend = try await ScriptedBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton)
        let prober = try Prober()
        let engine = prober.engine
        let check = HealthCheckSpec(kind: .tcp(TCPCheck(probeData: "PING\r\n")), timeout: .seconds(30))
        // A task of its own: if the engine never ran it again, the test fails instead of waiting forever.
        let answer = NIOLockedValueBox<ProbeOutcome?>(nil)
        Task {
            let outcome = await withTaskExecutorPreference(engine) { await prober.probe(backend.address, check) }
            answer.withLockedValue { $0 = outcome }
        }
        let answered = await eventually(timeout: .seconds(5)) { answer.withLockedValue { $0 != nil } }
        #expect(answered)
        #expect(answer.withLockedValue { $0?.passed } == true)
        try await backend.stop()
    }

    /// Applies (render, `nginx -t`) start in tasks of their own from the loop: they must not hold up
    /// the checks on the engine's thread.
    @Test func aTaskTheLoopStartsDoesNotRunOnTheEngineThread() async throws {
        let prober = try Prober()
        let engine = prober.engine
        let started = await withTaskExecutorPreference(engine) {
            await Task { engine.onEngineThread }.value
        }
        #expect(!started)
    }

    @Test func aTaskPreferringAStoppedEngineStillRuns() async throws {
        let engine = try ProbeEngine(maxConcurrent: 1)
        engine.shutdown()
        let answer = await withTaskExecutorPreference(engine) { () async -> Int in
            await Task.yield()
            return 42
        }
        #expect(answer == 42)
    }
}
