import NIOPosix
import PicketTestSupport
import Testing

/// Edge probes in a running Picket: one that would have to wait for a `max_concurrent` slot is shed,
/// counted on `/metrics`, and judges nothing; the silent checks' own timeouts still eject.
@Suite(.serialized) struct EdgeProbeTests {
    @Test func edgeProbesFindingEverySlotTakenAreShedCountedAndJudgeNothing() async throws {
        let status = freePort()
        let settings = "status: {listen: 127.0.0.1:\(status)}\nprobes: {max_concurrent: 1}\n"
        // Edges half a timeout (500 ms) after a silent check; one slot for three backends.
        let health = "{path: /health, interval: 1s, timeout: 1s, failure_threshold: 1, success_threshold: 1, jitter: 0}"
        try await Stack.with(settings: settings, health: health) { stack in
            #expect(try await stack.startPicketThenNginx())
            try await Task.sleep(for: .milliseconds(1500))
            func shed() async -> Int? {
                let metrics = try? await HTTPGet.get(port: status, path: "/metrics", group: MultiThreadedEventLoopGroup.singleton).body
                let line = metrics?.split(separator: "\n").first { $0.hasPrefix("picket_probe_edges_shed_total ") }
                return line.flatMap { $0.split(separator: " ").last }.flatMap { Int(Double($0) ?? -1) }
            }
            #expect(await shed() == 0, "no edge is shed while every backend answers at once")
            for backend in stack.backends { backend.behaviour = .hang }
            #expect(await eventually(timeout: .seconds(6)) { (await shed() ?? 0) >= 1 }, "an edge due while the only slot is taken is shed")
            #expect(await eventually(timeout: .seconds(8)) {
                stack.log.filter { $0.contains("up → down") && $0.contains("timeout") }.count == 3
            }, "each hung backend is ejected by its own check's timeout: \(stack.log.suffix(10))")
            let metrics = try await HTTPGet.get(port: status, path: "/metrics", group: MultiThreadedEventLoopGroup.singleton).body
            #expect(metrics.contains("# HELP picket_probe_edges_shed_total "))
            #expect(!metrics.contains("result=\"shed\""), "a shed edge is not a check")
            #expect(!stack.logContains("edge probe not sent"), "no transition comes from a shed edge")
        }
    }
}
