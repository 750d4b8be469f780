import Foundation
import NIOHTTP1
import NIOPosix
import PicketHTTPClient
import PicketNginx
import PicketTestSupport
import Testing

/// The status API against the real server on loopback, driving a real nginx.
@Suite(.serialized) struct StatusAPITests {
    static let token = "test-token-0123456789"

    /// A stack whose Picket serves its status API on a free loopback port.
    func withAPI(_ body: (Stack, StatusAPI) async throws -> Void) async throws {
        let port = freePort()
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(port), token: \(Self.token)}\n") { stack in
            #expect(try await stack.startPicketThenNginx())
            try await body(stack, StatusAPI(port: port))
        }
    }

    @Test func readsHealthReadinessAppsAndBackendsAsJSON() async throws {
        try await withAPI { stack, api in
            let healthz = try await api.send(.GET, "/healthz")
            #expect(healthz.status == 200 && healthz.text == "ok\n")
            #expect(await eventually(timeout: .seconds(3)) { (try? await api.send(.GET, "/readyz"))?.status == 200 })

            let apps = try await api.json(.GET, "/v1/apps")
            #expect(apps.status == 200)
            let list = try #require((apps.object["apps"] as? [[String: Any]])?.first)
            #expect(list["name"] as? String == "web" && list["backends"] as? Int == 3 && list["in_rotation"] as? Int == 3 && list["docker"] as? Bool == false)

            let app = try await api.json(.GET, "/v1/apps/web")
            let backends = try #require(app.object["backends"] as? [[String: Any]])
            #expect(backends.compactMap { $0["address"] as? String } == stack.backends.map(\.address))
            let first = try #require(backends.first)
            for key in ["phase", "circuit", "in_rotation", "rotation_reason", "drain", "flaps", "consecutive_successes", "consecutive_failures",
                "since_seconds", "why", "last_checks"] {
                #expect(first[key] != nil, "backend documents carry \(key)")
            }
            #expect((first["why"] as? String)?.hasPrefix("in rotation: passed") == true)

            let b = stack.backends[1].address
            let one = try await api.json(.GET, "/v1/apps/web/backends/\(b)")
            let checks = try #require(one.object["last_checks"] as? [[String: Any]])
            #expect(!checks.isEmpty && checks.allSatisfy { $0["passed"] as? Bool == true && $0["status"] as? Int == 200 })
        }
    }

    @Test func answersBadRequestsWithJSONErrors() async throws {
        try await withAPI { stack, api in
            let cases: [(HTTPMethod, String, Int)] = [
                (.GET, "/v1/apps/nope", 404), (.GET, "/v1/apps/web/backends/127.0.0.1:1", 404), (.GET, "/v1/apps/web/backends/not%20an%20address", 400),
                (.POST, "/v1/apps", 405), (.DELETE, "/v1/apps/web", 405), (.GET, "/v1/apps/web/backends/127.0.0.1:1/drain", 405),
                (.GET, "/nothing", 404), (.POST, "/v1/apps/web/backends/\(stack.backends[0].address)/explode", 404),
            ]
            for (method, path, status) in cases {
                let answer = try await api.json(method, path)
                #expect(answer.status == status, "\(method) \(path)")
                let error = answer.object["error"] as? [String: Any]
                #expect(error?["status"] as? Int == status && !((error?["message"] as? String) ?? "").isEmpty, "\(method) \(path): \(answer.object)")
            }
        }
    }

    @Test func drainNeedsTheTokenIsAuditedAndGoesThroughNginx() async throws {
        try await withAPI { stack, api in
            let b = stack.backends[1].address
            let path = "/v1/apps/web/backends/\(b)/drain"
            #expect(try await api.send(.POST, path).status == 401)
            #expect(try await api.send(.POST, path, token: "wrong-token-000000000").status == 403)
            #expect(stack.log.filter { $0.contains("audit: drain web/\(b) from 127.0.0.1") && $0.contains("refused, missing token") }.count == 1, "\(stack.log.filter { $0.contains("audit") })")
            #expect(!stack.logContains("refused, wrong token"), "a second refusal within 10 s is counted, not logged")
            let metrics = try await api.send(.GET, "/metrics").text
            #expect(metrics.contains(#"picket_status_auth_failures_total{reason="missing"} 1"#) && metrics.contains(#"picket_status_auth_failures_total{reason="wrong"} 1"#), "\(metrics)")
            #expect(stack.nginx.output.contains(b), "refused requests change nothing")

            let drained = try await api.json(.POST, path, token: Self.token)
            #expect(drained.status == 200)
            #expect(drained.object["drain"] as? String == "operator" && drained.object["in_rotation"] as? Bool == false)
            #expect(await eventually(timeout: .seconds(2)) { !stack.nginx.output.contains(b) })
            #expect(await eventually(timeout: .seconds(2)) { Set(await stack.routed()) == ["backend a", "backend c"] })
            #expect(await eventually(timeout: .seconds(2)) { stack.logContains("upstream web - \(b) (drained by operator)") })
            #expect(stack.logContains("audit: drain web/\(b) from 127.0.0.1"))
            let why = try await api.json(.GET, "/v1/apps/web/backends/\(b)")
            #expect((why.object["why"] as? String)?.hasPrefix("drained by an operator") == true)

            #expect(try await api.json(.POST, "/v1/apps/web/backends/\(b)/reset", token: Self.token).status == 409, "not quarantined")
            #expect(try await api.json(.POST, "/v1/apps/web/backends/\(b)/undrain", token: Self.token).status == 200)
            #expect(await eventually(timeout: .seconds(2)) { stack.nginx.output.contains(b) })
            #expect(await eventually(timeout: .seconds(2)) { (await stack.routed()).contains("backend b") })
        }
    }

    @Test func theCommandLineShowsStatusExplainsAndDrains() async throws {
        try await withAPI { stack, api in
            let url = "http://127.0.0.1:\(api.port)"
            let b = stack.backends[1].address
            func picket(_ arguments: [String]) async -> CommandRunner.Result {
                await CommandRunner.run([CommandLineTests.binary] + arguments + ["--url", url], timeout: .seconds(30))
            }
            let status = await picket(["status"])
            #expect(status.succeeded, "\(status.summary)")
            #expect(status.output.hasPrefix("APP  BACKEND"))
            #expect(status.output.split(separator: "\n").filter { $0.hasPrefix("web ") && $0.contains(" up ") && $0.contains(" in ") }.count == 3, "\(status.output)")

            let why = await picket(["why", "web", b])
            #expect(why.succeeded && why.output.contains("why: in rotation: passed") && why.output.contains("passed: status 200"), "\(why.summary)")

            let refused = await picket(["drain", "web", b])
            #expect(refused.status == 1 && refused.output.contains("picket answered 401"), "\(refused.summary)")
            let drained = await picket(["drain", "web", b, "--token", Self.token])
            #expect(drained.succeeded && drained.output.contains("drained by an operator"), "\(drained.summary)")
            #expect(await eventually(timeout: .seconds(2)) { !stack.nginx.output.contains(b) })
            let unknown = await picket(["why", "web", "127.0.0.1:1"])
            #expect(unknown.status == 1 && unknown.output.contains("picket answered 404: no backend '127.0.0.1:1' in app 'web'"), "\(unknown.summary)")
        }
    }

    @Test func servesMetricsInThePrometheusTextFormat() async throws {
        try await withAPI { stack, api in
            try await stack.backends[2].stop()
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(stack.backends[2].address) })
            let metrics = try await api.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("picket-metrics-\(UUID().uuidString).txt").path
            try metrics.text.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            // The reference parser (python3-prometheus-client) reads every family; it raises on malformed text.
            let script = """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                    for sample in family.samples:
                        print(sample.name, ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items())), sample.value)
                """
            let parsed = await CommandRunner.run(["/usr/bin/python3", "-c", script, file], timeout: .seconds(30))
            #expect(parsed.succeeded, "\(parsed.summary)")
            let lines = parsed.output.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("picket_probes_total app=web,result=passed ") })
            #expect(lines.contains { $0.hasPrefix("picket_probes_total app=web,result=refused ") })
            #expect(lines.contains { $0.hasPrefix("picket_probe_duration_seconds_bucket app=web,le=0.0005 ") }, "sub-millisecond buckets")
            #expect(lines.contains { $0.hasPrefix("picket_transitions_total app=web,from=up,to=down ") })
            #expect(lines.contains { $0 == "picket_backend_in_rotation app=web,backend=\(stack.backends[2].address) 0.0" })
            #expect(lines.contains { $0.hasPrefix("picket_applies_total result=applied ") })
            #expect(lines.contains { $0.hasPrefix("picket_reloads_total result=ok ") })
            #expect(lines.contains { $0.hasPrefix("picket_apply_duration_seconds_count result=applied ") })
        }
    }
}

extension StatusAPITests {
    @Test func metricsPassPromtoolWithHelpBuildInfoProcessMetricsAndTheFileHash() async throws {
        try await withAPI { stack, api in
            #expect(await eventually(timeout: .seconds(3)) { (try? await api.send(.GET, "/metrics").text.contains("picket_upstream_file_info")) == true })
            let metrics = try await api.send(.GET, "/metrics").text
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("picket-metrics-\(UUID().uuidString).txt").path
            try metrics.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let lint = await CommandRunner.run(["/bin/sh", "-c", "promtool check metrics < \"$0\"", file], timeout: .seconds(30))
            #expect(lint.succeeded && lint.output.isEmpty, "promtool check metrics: \(lint.summary)")

            let lines = metrics.split(separator: "\n").map(String.init)
            func value(_ series: String) -> Double? {
                lines.first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
            }
            #expect(value(#"picket_build_info{version="0.1.0"}"#) == 1)
            for family in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
                #expect((value(family) ?? 0) > 0, "\(family)")
            }
            let lastApply = try #require(value("picket_last_apply_success_timestamp_seconds"))
            #expect(abs(lastApply - Date().timeIntervalSince1970) < 60)
            let sha = await CommandRunner.run(["sha256sum", stack.nginx.outputPath], timeout: .seconds(10))
            let hash = try #require(sha.output.split(separator: " ").first)
            #expect(value(#"picket_upstream_file_info{path="\#(stack.nginx.outputPath)",sha256="\#(hash)"}"#) == 1, "the label is what sha256sum prints for the live file")
            for series in [
                "picket_config_validation_failures_total", #"picket_applies_total{result="failed_validate"}"#, #"picket_reloads_total{result="failed"}"#,
                #"picket_upstream_rejections_total{app="web"}"#, #"picket_app_all_down{app="web"}"#, #"picket_probe_local_failures_total{fault="descriptors_exhausted"}"#,
                "picket_event_stream_dropped_total", #"picket_status_auth_failures_total{reason="wrong"}"#,
            ] {
                #expect(value(series) == 0, "\(series) is exported at zero before its first event")
            }
        }
    }
}

/// A client of the status server under test.
struct StatusAPI {
    let port: Int

    func send(_ method: HTTPMethod, _ path: String, token: String? = nil) async throws -> HTTPResponse {
        let transport = HTTPTransport(endpoint: .tcp(host: "127.0.0.1", port: port), group: MultiThreadedEventLoopGroup.singleton)
        return try await transport.send(method, path, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], timeout: .seconds(5))
    }

    func json(_ method: HTTPMethod, _ path: String, token: String? = nil) async throws -> (status: Int, object: [String: Any]) {
        let response = try await send(method, path, token: token)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (response.status, object ?? [:])
    }
}
