import Foundation
import PicketNginx
import PicketTestSupport
import Testing

/// Real gRPC calls through nginx's `grpc_pass` to an upstream Picket manages with gRPC health checks:
/// a backend whose health service turns NOT_SERVING leaves the file, and nginx stops sending to it.
@Suite(.serialized) struct GRPCRoutingTests {
    @Test func aBackendThatTurnsNotServingLeavesTheUpstreamAndNginxStopsSendingCallsToIt() async throws {
        let first = try await GRPCHealthServer(name: "g1")
        let second = try await GRPCHealthServer(name: "g2")
        let nginx = try NginxPrefix(port: freePort(), upstream: "orders")
        try nginx.writeConfig(http: """
                include picket/upstreams.conf;
                server {
                    listen 127.0.0.1:\(nginx.port) http2;
                    location / { grpc_pass grpc://orders; }
                }
            """)
        let picket = InProcessPicket(configPath: "\(nginx.root)/picket.yaml")
        try (nginx.picketSection() + """
            apps:
              - name: orders
                health_check: {type: grpc, interval: 500ms, timeout: 500ms, failure_threshold: 2}
                instances: [\(first.address), \(second.address)]
            """).write(toFile: picket.configPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: nginx.root) }
        try picket.start()
        #expect(await eventually(timeout: .seconds(5)) { FileManager.default.fileExists(atPath: nginx.outputPath) })
        try await nginx.start()
        #expect(await eventually(timeout: .seconds(5)) { picket.logContains("first round of checks complete") })
        var both: [String] = []
        let bothServe = await eventually(timeout: .seconds(10)) {
            both = await Self.hello(port: nginx.port, calls: 6)
            return Set(both) == ["g1", "g2"]
        }
        #expect(bothServe, "both serve through grpc_pass, got \(both)")

        try second.set(["": "NOT_SERVING"])
        #expect(await eventually(timeout: .seconds(5)) { !nginx.output.contains("server \(second.address)") || nginx.output.contains("server \(second.address) down") },
            "\(nginx.output)")
        #expect(await eventually(timeout: .seconds(3)) { picket.logContains("not_serving") }, "the transition names the class")
        var routed: [String] = []
        let onlyFirst = await eventually(timeout: .seconds(10)) {
            routed = await Self.hello(port: nginx.port, calls: 6)
            return Set(routed) == ["g1"]
        }
        #expect(onlyFirst, "after the reload nginx sends every call to g1, got \(routed)")

        await picket.stop()
        await nginx.stop()
        await first.stop()
        await second.stop()
    }

    /// The names `/picket.test.Echo/Hello` returns over `calls` calls through nginx (python3-grpcio's client).
    static func hello(port: Int, calls: Int) async -> [String] {
        let script = """
            import grpc
            channel = grpc.insecure_channel("127.0.0.1:\(port)")
            hello = channel.unary_unary("/picket.test.Echo/Hello")
            for _ in range(\(calls)):
                try:
                    print(hello(b"", timeout=2).decode())
                except grpc.RpcError as error:
                    print(error.code().name)
            """
        let result = await CommandRunner.run(["/usr/bin/python3", "-c", script], timeout: .seconds(20))
        return result.output.split(separator: "\n").map(String.init)
    }
}
