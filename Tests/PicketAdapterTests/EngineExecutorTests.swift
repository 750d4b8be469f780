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
