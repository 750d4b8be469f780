import Foundation
import PicketConfig
import PicketCore
import Testing

/// The configs of the hostile run (issue 9) and their kin: each is refused with its location, or
/// accepted meaning exactly what it says.
@Suite struct HostileConfigTests {
    let app = "nginx: {output: /tmp/u.conf}\napps:\n  - name: web\n    instances: [127.0.0.1:8001]\n"

    @Test func aCircuitThatOnceCrashedPicketIsRefusedWithTheValuesAsWritten() {
        let found = problems(app + "    circuit_breaker: {failure_threshold: 1, recovery_timeout: 2400000h, max_recovery_timeout: 2400000h, half_open_timeout: 2400000h}\n")
        #expect(Set(found) == [
            "picket.yaml:5:63: apps[0].circuit_breaker.recovery_timeout: must be from 100ms to 24h, got 2400000h",
            "picket.yaml:5:73: apps[0].circuit_breaker.max_recovery_timeout: 'max_recovery_timeout' is no longer supported: an open circuit no longer stops probes; write max_probe_interval for the longest gap between probes of a backend that stays down",
            "picket.yaml:5:105: apps[0].circuit_breaker.half_open_timeout: 'half_open_timeout' is no longer supported: an open circuit no longer stops probes, so there is no half-open window to time out; remove this key",
        ])
        let today = problems(app + "    circuit_breaker: {max_probe_interval: 2400000h, hold_down: 2400000h, max_hold_down: 2400000h}\n")
        #expect(Set(today) == [
            "picket.yaml:5:43: apps[0].circuit_breaker.max_probe_interval: must be from 100ms to 1h, got 2400000h",
            "picket.yaml:5:64: apps[0].circuit_breaker.hold_down: must be from 0s to 24h, got 2400000h",
            "picket.yaml:5:89: apps[0].circuit_breaker.max_hold_down: must be from 0s to 24h, got 2400000h",
        ])
    }

    @Test func durationsTooLargeToRepresentAreRefusedAsWritten() {
        let found = problems(app + "    health_check: {interval: 99999999999999999999h}\n")
        #expect(found == ["picket.yaml:5:30: apps[0].health_check.interval: expected a duration such as 500ms, 5s, 2m or 1h, got '99999999999999999999h'"])
    }

    @Test func anEmptyAppListIsAConfigError() {
        #expect(problems("nginx: {output: /tmp/u.conf}\napps: []\n") == [
            "picket.yaml:2:7: apps: declare at least one app: with none, Picket would check nothing and write empty upstreams",
        ])
    }

    @Test(arguments: [
        ("name: !!binary d2Vi", "picket.yaml:3:11: apps[0].name: YAML tag !!binary is not accepted here: write the value plainly (Picket reads every value as text)"),
        ("name: null", "picket.yaml:3:11: apps[0].name: expected a value, got null (write \"\" for empty text, or leave the key out)"),
        ("name: ~", "picket.yaml:3:11: apps[0].name: expected a value, got null (write \"\" for empty text, or leave the key out)"),
        ("name:", "picket.yaml:3:10: apps[0].name: expected a value, got null (write \"\" for empty text, or leave the key out)"),
        ("name: !!int 5", "picket.yaml:3:11: apps[0].name: YAML tag !!int is not accepted here: write the value plainly (Picket reads every value as text)"),
        ("name: !custom web", "picket.yaml:3:11: apps[0].name: YAML tag !custom is not accepted here: write the value plainly (Picket reads every value as text)"),
    ])
    func tagsAndNullsWhereTextIsExpectedAreRefused(line: String, message: String) {
        let found = problems("nginx: {output: /tmp/u.conf}\napps:\n  - \(line)\n    instances: [127.0.0.1:8001]\n")
        #expect(found == [message])
    }

    @Test func tagsThatSayWhatPicketReadsAnywayAreAccepted() throws {
        let config = try parse(app + "    keepalive: !!int 8\n    health_check: {path: !!str /ready, jitter: !!float 0.1, enabled: !!bool true}\n")
        #expect(config.apps[0].keepalive == 8)
        #expect(config.apps[0].healthCheck.jitter == 0.1)
    }

    @Test func tagsOnSectionsAndListsAreRefused() {
        let found = problems(app + "    health_check: !!set {a, b}\n    circuit_breaker: !!omap [{failure_threshold: 2}]\n")
        #expect(found.contains("picket.yaml:5:19: apps[0].health_check: YAML tag !!set is not accepted here: write the value plainly (Picket reads every value as text)"))
        #expect(found.contains { $0.hasPrefix("picket.yaml:6:22: apps[0].circuit_breaker: expected a mapping of keys") })
    }

    @Test func aNulByteIsReportedWhereItIs() {
        let found = problems("nginx: {output: /tmp/u.conf}\napps:\n  - name: w\u{0}eb\n    instances: [127.0.0.1:8001]\n")
        #expect(found == ["picket.yaml:3:12: YAML: control characters are not allowed (U+0000)"])
    }

    @Test func aliasesThatExplodeAndKeysThatAreStructuresAreRefusedBeforeTheyCostAnything() {
        var laughs = "nginx: {output: /tmp/u.conf}\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
        for level in 1...8 { laughs += "x\(level): &x\(level) [" + Array(repeating: "*x\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let clock = ContinuousClock()
        let started = clock.now
        let exploding = problems(laughs + "apps: [{name: web, instances: *x8}]\n")
        #expect(exploding.count == 1 && exploding[0].contains("aliases expand the document beyond 100000 values"), "\(exploding)")
        let structuredKey = problems("nginx: {output: /tmp/u.conf}\nx: &x [a, b]\napps:\n  - name: web\n    instances: [127.0.0.1:1]\n    health_check: {headers: {*x : y}}\n")
        #expect(structuredKey == ["picket.yaml:6:30: YAML: a key here is a list, a mapping or an alias; Picket's keys are plain words"])
        #expect(clock.now - started < .seconds(5), "refused without building the tree")
    }

    @Test func anchorsForWholeValuesWorkAndMergeKeysAreExplained() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            apps:
              - {name: a, instances: [127.0.0.1:1], health_check: &check {path: /ready, interval: 2s}}
              - {name: b, instances: [127.0.0.1:2], health_check: *check}
            """)
        #expect(config.apps[1].healthCheck == config.apps[0].healthCheck)
        let merged = problems("nginx: {output: /tmp/u.conf}\nbase: &b {interval: 2s}\napps:\n  - name: a\n    instances: [127.0.0.1:1]\n    health_check: {<<: *b}\n")
        #expect(merged.contains("picket.yaml:6:20: apps[0].health_check.<<: YAML merge keys are not supported: put what apps share under defaults:"))
    }

    @Test func theEnvironmentTokenFollowsTheSameRuleAndWins() throws {
        let short = problems(app, environment: ["PICKET_STATUS_TOKEN": "short"])
        #expect(short == ["picket.yaml:1:1: status.token: PICKET_STATUS_TOKEN in the environment: use at least 16 characters, printable ASCII without spaces"])
        let spaced = problems(app + "status: {token: abcdefghijklmnopqrstuvwxyz}\n", environment: ["PICKET_STATUS_TOKEN": "sixteen chars ok"])
        #expect(spaced == ["picket.yaml:5:17: status.token: PICKET_STATUS_TOKEN in the environment: use at least 16 characters, printable ASCII without spaces"])
        let config = try parse(app + "status: {token: abcdefghijklmnopqrstuvwxyz}\n", environment: ["PICKET_STATUS_TOKEN": "0123456789abcdefXYZ"])
        #expect(config.status.token == "0123456789abcdefXYZ")
    }

    @Test func aStatusServerBeyondLoopbackIsAcceptedWithALocatedWarningNamingWhatIsOpen() throws {
        let open = try ConfigLoader.read(app + "status: {listen: 0.0.0.0:9180}\n", file: "picket.yaml", baseDirectory: "/etc/picket")
        let warning = try #require(open.warnings.first)
        #expect(warning.description.hasPrefix("picket.yaml:5:18: status.listen: warning: listens beyond loopback on 0.0.0.0:9180"))
        #expect(warning.message.contains("the dashboard, GET /healthz, /readyz, /metrics, /v1/apps, /v1/overview and /v1/events") && warning.message.contains("refused (no token is set)"))
        for loopback in ["127.0.0.1:9180", "\"[::1]:9180\"", "localhost:9180", "127.0.0.2:1"] {
            let quiet = try ConfigLoader.read(app + "status: {listen: \(loopback)}\n", file: "picket.yaml", baseDirectory: "/etc/picket")
            #expect(quiet.warnings.isEmpty, "\(loopback)")
        }
    }

    @Test func aConfigThatIsNotARegularFileIsRefusedWithoutBeingRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-hostile-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = "\(directory)/picket.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let large = "\(directory)/large.yaml"
        try String(repeating: "# padding\n", count: 120_000).write(toFile: large, atomically: true, encoding: .utf8)
        let binary = "\(directory)/binary.yaml"
        try Data("nginx: {output: /tmp/u.conf}\napps: [{name: w\u{e9}b}]\n".utf8.map { $0 == 0xC3 ? 0xFF : $0 }).write(to: URL(fileURLWithPath: binary))
        let cases = [
            (directory, "\(directory):1:1: is a directory; --config takes a YAML file"),
            (fifo, "\(fifo):1:1: is a named pipe (FIFO); Picket reads its config from a regular file"),
            ("/dev/zero", "/dev/zero:1:1: is a device; Picket reads its config from a regular file"),
            (large, "\(large):1:1: is over 1024 KiB; a Picket config is far smaller"),
            ("\(directory)/missing.yaml", "\(directory)/missing.yaml:1:1: cannot read the file: No such file or directory"),
            (binary, "\(binary):2:16: is not UTF-8 text: byte 45 (0xff) is not a valid character"),
        ]
        for (path, message) in cases {
            do {
                _ = try ConfigLoader.load(path: path)
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.diagnostics.map(\.description) == [message])
            }
        }
    }
}

extension HostileConfigTests {
    @Test func aQuotedValueCannotBreakOrForgeADiagnosticLine() {
        let found = problems(app + "    health_check: {path: \"/x\\nweb.yaml:1:1: forged\", headers: {\"X\\u202E\": a}}\n")
        #expect(found.count == 2)
        #expect(found.allSatisfy { !$0.contains("\n") })
        #expect(found.contains("picket.yaml:5:26: apps[0].health_check.path: must start with '/' and hold no spaces or control characters"))
        #expect(found.contains("picket.yaml:5:64: apps[0].health_check.headers.X\\u{202E}: is not a valid header name"))
    }
}
