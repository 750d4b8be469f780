import Foundation
import NIOCore
import PicketNginx
import PicketTestSupport
import Testing

/// What passive detection makes of real requests through a real nginx, as `/metrics` shows it: each
/// backend's live traffic, and an upstream that accepts but never answers counted as what it is.
@Suite(.serialized) struct PassiveTrafficTests {
    typealias PassiveStack = PassiveDetectionTests.PassiveStack

    /// Every rule off: the traffic is only measured.
    static let measureOnly = "{consecutive_5xx: 0, consecutive_gateway_failure: 0, consecutive_connect_failure: 0, failure_percentage: 0}"

    @Test func metricsShowEachBackendsRequestRateErrorRatesAndResponseTimePercentiles() async throws {
        let stack = try await PassiveStack(health: PassiveDetectionTests.quietHealth, passive: Self.measureOnly)
        defer { Task { await stack.shutdown() } }
        let (a, b, c) = (stack.backends[0], stack.backends[1], stack.backends[2])
        a.trafficBehaviour = .answer(status: 500, body: "broken\n")
        b.trafficBehaviour = .delay(.milliseconds(40), status: 200, body: "slow\n")
        let statuses = await stack.traffic(30)
        #expect(statuses.filter { $0 == 500 }.count == 10, "round robin: a answered a third: \(statuses)")
        func series(_ name: String, _ backend: ScriptedBackend, _ extra: String = "") -> String {
            "\(name){app=\"web\",backend=\"\(backend.address)\"\(extra)}"
        }
        let allCounted = await eventually(timeout: .seconds(3)) {
            var total = 0.0
            for backend in stack.backends { total += await stack.metric(series("picket_backend_requests_per_second", backend) + " ") ?? 0 }
            return total >= 3
        }
        #expect(allCounted, "30 requests over a ten-second window: 3 per second in all")
        for backend in stack.backends {
            #expect(await stack.metric(series("picket_backend_requests_per_second", backend) + " ") == 1, "10 requests each")
        }
        #expect(await stack.metric(series("picket_backend_error_ratio", a, ",class=\"server_error\"") + " ") == 1)
        #expect(await stack.metric(series("picket_backend_error_ratio", a, ",class=\"gateway\"") + " ") == 0, "a 500 is no gateway failure")
        #expect(await stack.metric(series("picket_backend_error_ratio", b, ",class=\"server_error\"") + " ") == 0)
        let slow = await stack.metric(series("picket_backend_upstream_response_seconds", b, ",percentile=\"p50\"") + " ") ?? 0
        #expect(slow >= 0.036, "b's median holds its 40 ms delay (less one bucket): \(slow)")
        let fast = await stack.metric(series("picket_backend_upstream_response_seconds", c, ",percentile=\"p50\"") + " ") ?? 1
        #expect(fast < slow, "c answers at once, so its median is below b's: \(fast) against \(slow)")
        let text = try await stack.api.send(.GET, "/metrics").text
        #expect(text.contains("# HELP picket_backend_upstream_response_seconds "))
        #expect(text.contains("# TYPE picket_backend_error_ratio gauge"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("picket-metrics-\(UUID().uuidString).txt").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let lint = await CommandRunner.run(["/bin/sh", "-c", "promtool check metrics < \"$0\"", file], timeout: .seconds(30))
        #expect(lint.succeeded && lint.output.isEmpty, "promtool check metrics: \(lint.summary)")
    }

    /// nginx connects, then gives up after `proxy_read_timeout` and logs a 504 for that server: a
    /// gateway failure (and a 5xx), not a connection it could not make. One is enough to eject: nginx's
    /// own `max_fails` (1) counts a timeout and sends b nothing more for `fail_timeout`.
    @Test func anUpstreamThatNeverAnswersWithinTheReadTimeoutCountsAsGatewayFailures() async throws {
        let stack = try await PassiveStack(
            health: PassiveDetectionTests.quietHealth, passive: "{consecutive_gateway_failure: 1, base_ejection_time: 30s}", readTimeout: "300ms")
        defer { Task { await stack.shutdown() } }
        let b = stack.backends[1]
        b.trafficBehaviour = .hang
        await Self.expectTimeoutsEject(b, by: "consecutive_gateway_failure", in: stack, sending: 30)
        let gateway = await stack.metric("picket_backend_error_ratio{app=\"web\",backend=\"\(b.address)\",class=\"gateway\"} ")
        let connect = await stack.metric("picket_backend_error_ratio{app=\"web\",backend=\"\(b.address)\",class=\"connect\"} ")
        #expect(gateway == 1, "every attempt at b timed out")
        #expect(connect == 0, "nginx did connect to b")
        let waited = await stack.metric("picket_backend_upstream_response_seconds{app=\"web\",backend=\"\(b.address)\",percentile=\"p50\"} ") ?? 0
        #expect((0.27...0.4).contains(waited), "each attempt lasted the read timeout: \(waited)")
    }

    /// nginx cannot even connect within `proxy_connect_timeout` (1 s): the server's accept queue is full,
    /// so the kernel drops nginx's SYN. nginx logs a 504 with a connect time of `-`: a connection it
    /// could not make, the local-origin failure `consecutive_connect_failure` counts.
    @Test func aConnectionThatTimesOutCountsAsOneNginxCouldNotMake() async throws {
        let stack = try await PassiveStack(
            health: "{path: /health, interval: 60s, timeout: 500ms}", passive: "{consecutive_connect_failure: 1, base_ejection_time: 30s}")
        defer { Task { await stack.shutdown() } }
        let b = stack.backends[1]
        try await b.stop()
        let listener = try FullAcceptQueue(port: b.port)
        defer { listener.close() }
        await Self.expectTimeoutsEject(b, by: "consecutive_connect_failure", in: stack, sending: 9)
        #expect(await stack.metric("picket_backend_error_ratio{app=\"web\",backend=\"\(b.address)\",class=\"connect\"} ") == 1)
    }

    /// Sends requests one by one (at most `count`) until `backend` is ejected; nginx must have answered
    /// at least one with its 504 and the ejection must name `rule`.
    static func expectTimeoutsEject(_ backend: ScriptedBackend, by rule: String, in stack: PassiveStack, sending count: Int) async {
        var timedOut = 0, sent = 0
        while !stack.picket.logContains("backend web/\(backend.address) ejected: "), sent < count {
            timedOut += await stack.traffic(1).filter { $0 == 504 }.count
            sent += 1
        }
        #expect(timedOut >= 1, "nginx answered 504 for \(backend.address)'s requests: \(timedOut) of \(sent)")
        #expect(await eventually(timeout: .seconds(3)) {
            await stack.metric("picket_passive_ejections_total{app=\"web\",rule=\"\(rule)\"}") == 1
        }, "\(stack.picket.log.filter { $0.contains(backend.address) })")
    }

    /// A loopback listener that never accepts, its accept queue filled by two connections of its own:
    /// every further SYN is dropped and the connecting side waits for its timeout.
    final class FullAcceptQueue {
        private var descriptors: [Int32] = []

        struct Failed: Error {}

        init(port: Int) throws {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            descriptors.append(server)
            var one: Int32 = 1
            setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(server, 0) == 0 else {
                close()
                throw Failed()
            }
            for _ in 0..<2 {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                descriptors.append(client)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }

        func close() {
            for fd in descriptors { Glibc.close(fd) }
            descriptors = []
        }
    }
}
