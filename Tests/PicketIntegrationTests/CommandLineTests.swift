import Foundation
import PicketConfig
import PicketNginx
import NIOPosix
import PicketTestSupport
import Testing

/// The `picket` binary itself, built beside the test bundle.
@Suite struct CommandLineTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("picket").path

    func picket(_ arguments: String...) async -> CommandRunner.Result {
        await CommandRunner.run([Self.binary] + arguments, timeout: .seconds(30))
    }

    func config(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picket-cli-\(UUID().uuidString.prefix(8)).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validatePrintsEveryProblemWithItsLocationAndExitsOne() async throws {
        let path = try config("nginx: {output: /tmp/u.conf}\napps:\n  - name: web\n    instances: [127.0.0.1:0]\n    balanse: least_conn\n")
        defer { unlink(path) }
        let result = await picket("validate", "--config", path)
        #expect(result.status == 1)
        #expect(result.output.contains("\(path):4:17: apps[0].instances[0]: invalid address '127.0.0.1:0'"))
        #expect(result.output.contains("\(path):5:5: apps[0].balanse: unknown key 'balanse' (did you mean 'balance'?)"))
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix(path) }
        #expect(lines.first?.contains(":4:17:") == true && lines.last?.contains(":5:5:") == true, "problems in the order they stand in the file")
    }

    @Test func validateSummarisesAGoodConfigAndExitsZero() async throws {
        let path = try config("nginx: {output: /tmp/u.conf, main_config: /nonexistent/nginx.conf}\napps:\n  - {name: web, instances: [127.0.0.1:8001, 127.0.0.1:8002]}\n")
        defer { unlink(path) }
        let result = await picket("validate", "--config", path)
        #expect(result.status == 0)
        #expect(result.output.contains("OK: 1 apps, 2 backends"))
    }

    @Test func validateReportsAnOutputIncludedInTheWrongBlockAtItsPlaceInNginxConf() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-cli-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "events {}\nhttp {\n    include upstreams.conf;\n    include stream.conf;\n}\n".write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let path = try config("""
            nginx: {output: \(directory)/upstreams.conf, stream_output: \(directory)/stream.conf, main_config: \(directory)/nginx.conf}
            apps:
              - {name: web, instances: [127.0.0.1:8001]}
              - {name: redis, nginx: {context: stream}, instances: [127.0.0.1:6379]}
            """)
        defer { unlink(path) }
        let result = await picket("validate", "--config", path)
        #expect(result.status == 1)
        #expect(result.output.contains(
            "\(directory)/nginx.conf:4:5: nginx.stream_output: include stream.conf is inside http {}, but that file holds stream upstreams: include it directly inside stream {}"),
            "\(result.output)")
    }

    @Test func checkPrintsATableAndFailsWhenABackendFails() async throws {
        let backend = try await ScriptedBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton)
        let dead = "127.0.0.1:\(freePort())"
        let path = try config("nginx: {output: /tmp/u.conf}\napps:\n  - {name: web, instances: [\(backend.address), \(dead)]}\n")
        defer { unlink(path) }
        let result = await picket("check", "--config", path)
        #expect(result.status == 1)
        #expect(result.output.contains("web  \(backend.address)"))
        #expect(result.output.contains("\(dead)  -          FAIL    1      refused"), "\(result.output)")
        #expect(result.output.contains("1 of 2 backends pass"))
        let rendered = await picket("render", "--config", path, "--probe")
        #expect(rendered.output.contains("server \(backend.address) "))
        #expect(!rendered.output.contains("server \(dead) "))
        try await backend.stop()
    }

    @Test func configSchemaPrintsTheJSONSchemaOfTheKeyTables() async throws {
        let result = await picket("config", "schema")
        #expect(result.succeeded)
        #expect(result.output == ConfigSchema.jsonSchema.rendered() + "\n")
        #expect(result.output.contains(#""expected_status_codes""#) && result.output.contains(#""$schema": "http://json-schema.org/draft-07/schema#""#))
    }

    @Test func statusWithNoPicketRunningSaysSoPlainly() async throws {
        let url = "http://127.0.0.1:\(freePort())"
        let result = await picket("status", "--url", url)
        #expect(result.status == 1)
        #expect(result.output.contains("no Picket answers at \(url) (connection refused)"), "\(result.output)")
        #expect(!result.output.contains("SingleConnectionFailure"), "no SwiftNIO internals for the operator")
    }

    @Test func theSystemdUnitInExamplesPassesSystemdAnalyzeVerify() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let unit = try String(contentsOf: repository.appendingPathComponent("examples/picket.service"), encoding: .utf8)
        #expect(unit.contains("ProtectSystem=strict") && unit.contains("NoNewPrivileges=yes") && unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("picket.service").path
        try unit.replacingOccurrences(of: "/usr/local/bin/picket", with: Self.binary).write(toFile: path, atomically: true, encoding: .utf8)
        let verify = await CommandRunner.run(["/usr/bin/env", "systemd-analyze", "verify", path], timeout: .seconds(60))
        #expect(verify.succeeded, "\(verify.summary)")
        let complaints = verify.output.split(separator: "\n").filter { !$0.contains("docker.service") && !$0.isEmpty }
        #expect(complaints.isEmpty, "systemd-analyze verify warns: \(complaints)")
    }

    @Test func shellCompletionsAreGeneratedForBashZshAndFishAndBashParsesItsOwn() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = await picket("--generate-completion-script", shell)
            #expect(result.succeeded && result.output.contains("drain") && result.output.contains("undrain"), "\(shell): \(result.summary)")
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("picket-completion-\(UUID().uuidString.prefix(8)).bash").path
        try await picket("--generate-completion-script", "bash").output.write(toFile: script, atomically: true, encoding: .utf8)
        defer { unlink(script) }
        let parsed = await CommandRunner.run(["/bin/bash", "-n", script], timeout: .seconds(30))
        #expect(parsed.succeeded, "bash -n: \(parsed.summary)")
    }

    @Test func withoutConfigTheDefaultPathIsReadAndNamed() async throws {
        let result = await CommandRunner.run(["/usr/bin/env", "PICKET_CONFIG=/nonexistent/picket.yaml", Self.binary, "validate"], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(result.output.contains("/nonexistent/picket.yaml"), "\(result.output)")
    }
}
