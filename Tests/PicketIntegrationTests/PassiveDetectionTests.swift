import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// Passive detection with a real nginx sending its access log (nginx/passive.conf) to a running Picket,
/// and real requests through nginx.
@Suite(.serialized) struct PassiveDetectionTests {
    final class PassiveStack: @unchecked Sendable {
        let nginx: NginxPrefix
        let backends: [ScriptedBackend]
        let picket: InProcessPicket
        let api: StatusAPI
        let socket: String

        init(health: String, passive: String, nextUpstream: String = "off", readTimeout: String = "3s") async throws {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-passive-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            chmod(root, 0o755)
            socket = "\(root)/passive.sock"
            nginx = try NginxPrefix(port: freePort(), passiveSocket: socket, nextUpstream: nextUpstream, readTimeout: readTimeout)
            var started: [ScriptedBackend] = []
            for name in ["a", "b", "c"] { started.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
            backends = started
            let port = freePort()
            api = StatusAPI(port: port)
            let config = "\(nginx.root)/picket.yaml"
            picket = InProcessPicket(configPath: config)
            try (nginx.picketSection() + """
                status: {listen: 127.0.0.1:\(port)}
                passive: {listen: "unix:\(socket)", socket_mode: "0666"}
                apps:
                  - name: web
                    health_check: \(health)
                    passive: \(passive)
                    instances: [\(started.map(\.address).joined(separator: ", "))]
                """).write(toFile: config, atomically: true, encoding: .utf8)
            try picket.start()
            guard await eventually(timeout: .seconds(5), { FileManager.default.fileExists(atPath: self.nginx.outputPath) }) else {
                throw NoUpstreamFile()
            }
            try await nginx.start()
            _ = await eventually(timeout: .seconds(10)) { self.picket.logContains("first round of checks complete") }
        }

        /// Sends `count` requests through nginx, one after another; returns their statuses.
        func traffic(_ count: Int) async -> [Int] {
            var statuses: [Int] = []
            for _ in 0..<count {
                statuses.append((try? await HTTPGet.get(port: nginx.port, group: MultiThreadedEventLoopGroup.singleton).status) ?? 0)
            }
            return statuses
        }

        func metric(_ prefix: String) async -> Double? {
            guard let text = try? await api.send(.GET, "/metrics").text else { return nil }
            return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }

        struct NoUpstreamFile: Error {}

        func shutdown() async {
            await picket.stop()
            await nginx.stop()
            for backend in backends { try? await backend.stop() }
        }
    }

    static let quietHealth = "{path: /health, interval: 1s, timeout: 500ms, failure_threshold: 2, success_threshold: 1}"

    @Test func aBackendFailingRealTrafficWhileItsHealthCheckPassesIsEjectedThenReadmitted() async throws {
        let stack = try await PassiveStack(health: Self.quietHealth, passive: "{consecutive_5xx: 5, base_ejection_time: 6s}")
        defer { Task { await stack.shutdown() } }
        let b = stack.backends[1]
        let events = EventStreamClient(port: stack.api.port)
        defer { events.stop() }
        b.trafficBehaviour = .answer(status: 500, body: "broken\n")
        let ejectedLine = "backend web/\(b.address) ejected: "
        var errors = 0, sent = 0
        while !stack.picket.logContains(ejectedLine), sent < 200 {
            errors += await stack.traffic(1).filter { $0 == 500 }.count
            sent += 1
        }
        #expect(stack.picket.log.contains { $0.contains(ejectedLine) && $0.contains("consecutive 500 from live traffic, last at") },
            "\(stack.picket.log.filter { $0.contains(b.address) })")
        #expect((5..<40).contains(errors), "ejected after the fifth error, within a flush: \(errors) errors in \(sent) requests")
        #expect(await eventually(timeout: .seconds(2)) { !stack.nginx.output.contains(b.address) }, "out of the file")
        try await Task.sleep(for: .milliseconds(300))
        let after = await stack.traffic(20)
        #expect(!after.contains(500), "no errors once b is out: \(after)")
        let document = try await stack.api.json(.GET, "/v1/apps/web/backends/\(b.address)")
        #expect(document.object["rotation_reason"] as? String == "ejected")
        #expect((document.object["why"] as? String)?.contains("ejected by live traffic") == true)
        #expect((document.object["traffic"] as? [String: Any])?["requests"] as? Int ?? 0 >= 5)
        #expect(await stack.metric("picket_passive_ejections_total{app=\"web\",rule=\"consecutive_5xx\"}") == 1)
        #expect(await eventually(timeout: .seconds(10)) {
            events.first("passive_ejection") { $0["backend"] as? String == b.address && $0["rule"] as? String == "consecutive_5xx" } != nil
        }, "the event stream (and so the dashboard) shows the ejection: \(events.events.map(\.name))")

        b.trafficBehaviour = nil
        #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains(b.address) }, "readmitted after its ejection time, its checks passing")
        #expect(stack.picket.logContains("backend web/\(b.address) joins rotation"))
        #expect(await eventually(timeout: .seconds(3)) { await stack.traffic(6).contains(200) })
    }

    @Test func aConnectionNginxCouldNotMakeCountsForThatServerAndTheRetryForTheNext() async throws {
        let stack = try await PassiveStack(
            health: "{path: /health, interval: 60s, timeout: 500ms}", passive: "{consecutive_connect_failure: 1, base_ejection_time: 30s}",
            nextUpstream: "error timeout")
        defer { Task { await stack.shutdown() } }
        let b = stack.backends[1]
        try await b.stop()
        let statuses = await stack.traffic(12)
        #expect(statuses.allSatisfy { $0 == 200 }, "nginx retried b's requests on the others: \(statuses)")
        #expect(await eventually(timeout: .seconds(3)) {
            stack.picket.logContains("backend web/\(b.address) ejected: 1 connections in a row that nginx could not make")
        }, "\(stack.picket.log.suffix(8))")
        var requests = 0.0, failed = 0.0, others = 0.0
        let counted = await eventually(timeout: .seconds(3)) {
            requests = await stack.metric("picket_backend_requests_total{app=\"web\",backend=\"\(b.address)\"}") ?? 0
            failed = await stack.metric("picket_backend_failed_requests_total{app=\"web\",backend=\"\(b.address)\"}") ?? 0
            others = 0
            for backend in [stack.backends[0], stack.backends[2]] {
                others += await stack.metric("picket_backend_requests_total{app=\"web\",backend=\"\(backend.address)\"}") ?? 0
            }
            return requests >= 1 && others >= 12
        }
        #expect(counted, "b: \(requests) attempts, the others: \(others)")
        #expect(failed == requests, "every attempt at b failed and counts for b (nginx's max_fails stops trying it after one)")
        #expect(Int(others) == 12, "each request answered once by a or c, the retried ones included: \(others)")
    }

    @Test func everyBackendFailingEjectsNoMoreThanMaxEjectionPercent() async throws {
        let stack = try await PassiveStack(health: Self.quietHealth, passive: "{consecutive_5xx: 3}")
        defer { Task { await stack.shutdown() } }
        for backend in stack.backends { backend.trafficBehaviour = .answer(status: 500, body: "broken\n") }
        _ = await stack.traffic(40)
        #expect(await eventually(timeout: .seconds(3)) { stack.picket.logContains("already ejected (max_ejection_percent)") }, "\(stack.picket.log.suffix(8))")
        try await Task.sleep(for: .milliseconds(500))
        let serving = stack.backends.filter { stack.nginx.output.contains("server \($0.address) ") }
        #expect(serving.count == 2, "50 % of three: one ejected, two kept")
        #expect(await stack.metric("picket_passive_ejections_total{app=\"web\",rule=\"consecutive_5xx\"}") == 1)
    }

    @Test func garbageDatagramsOnlyMoveTheDropCounters() async throws {
        let stack = try await PassiveStack(health: Self.quietHealth, passive: "{consecutive_5xx: 3}")
        defer { Task { await stack.shutdown() } }
        let sender = DatagramSender(to: stack.socket)
        defer { sender.close() }
        var random = SystemRandomNumberGenerator()
        let templates = ["picket1\t1.0\tweb\t\(stack.backends[0].address)\t200\t0.001\t0.001\t0.001\t200\t0.001", "", "picket1", "<13>garbage"]
        for index in 0..<2_000 {
            var bytes = Array(templates[index % templates.count].utf8)
            if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            if index % 7 == 0 { bytes = (0..<Int.random(in: 0..<3000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
            _ = sender.send(bytes)
        }
        var dropped = 0.0
        _ = await eventually(timeout: .seconds(3)) {
            dropped = 0
            for result in ["not_picket_format", "wrong_field_count", "malformed", "unknown_backend"] {
                dropped += await stack.metric("picket_passive_datagrams_total{result=\"\(result)\"}") ?? 0
            }
            return dropped > 1_000
        }
        #expect(dropped > 1_000, "the drops are counted")
        #expect(stack.backends.allSatisfy { stack.nginx.output.contains("server \($0.address) ") }, "nothing was ejected")
        #expect(await stack.traffic(6).allSatisfy { $0 == 200 })
    }
}
