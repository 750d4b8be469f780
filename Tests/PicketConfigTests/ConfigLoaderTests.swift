import Testing
import PicketConfig
import PicketCore

@Suite struct ConfigLoaderTests {
    @Test func readsAMinimalConfigWithDocumentedDefaults() throws {
        let config = try parse("""
            nginx:
              output: upstreams.conf
            apps:
              - name: web
                instances: ["127.0.0.1:8001", "[::1]:8002"]
            """)
        #expect(config.nginx.output == "/etc/picket/upstreams.conf")
        #expect(config.nginx.testCommand == ["nginx", "-t", "-q", "-c", "{config}"])
        #expect(config.nginx.pidFile == "/run/nginx.pid")
        let app = try #require(config.apps.first)
        #expect(app.instances.map(\.address.description) == ["127.0.0.1:8001", "[::1]:8002"])
        #expect(app.healthCheck == HealthCheckSpec())
        #expect(app.circuit == CircuitSpec())
        #expect(config.controller.coalesceMax == .milliseconds(250))
    }

    @Test func appValuesOverrideDefaultsKeyByKey() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            defaults:
              health_check: {path: /healthz, interval: 2s, timeout: 1s}
              balance: least_conn
            apps:
              - name: api
                health_check: {interval: 1s, timeout: 500ms, expected_status_codes: [200, "300-302"]}
                instances:
                  - {address: "127.0.0.1:9001", weight: 3, backup: true}
                  - 127.0.0.1:9002
            """)
        let app = config.apps[0]
        guard case .http(let http) = app.healthCheck.kind else { Issue.record("expected http"); return }
        #expect(http.path == "/healthz")
        #expect(http.expectedStatus.ranges == [200...200, 300...302])
        #expect(app.healthCheck.interval == .seconds(1))
        #expect(app.healthCheck.timeout == .milliseconds(500))
        #expect(app.balance == .leastConn)
        #expect(app.instances[0].weight == 3 && app.instances[0].backup)
    }

    @Test func reportsEveryProblemWithFileLineColumnAndKeyPath() {
        let found = problems("""
            nginx:
              output: /tmp/u.conf
              test_command: [nginx, -t]
            apps:
              - name: "web app"
                instances: ["127.0.0.1:99999", "127.0.0.1:80;evil"]
                health_check:
                  intervall: 5s
                  timeout: 5
            """)
        #expect(found.contains("picket.yaml:3:17: nginx.test_command: must contain {config}, the staged config to validate, so a candidate is tested before it goes live"))
        #expect(found.contains("picket.yaml:5:11: apps[0].name: invalid name 'web app': may only hold letters, digits, '_', '-' and '.'"))
        #expect(found.contains("picket.yaml:6:17: apps[0].instances[0]: invalid address '127.0.0.1:99999': the port must be a number from 1 to 65535"))
        #expect(found.contains { $0.hasPrefix("picket.yaml:6:36: apps[0].instances[1]: invalid address") })
        #expect(found.contains("picket.yaml:8:7: apps[0].health_check.intervall: unknown key 'intervall' (did you mean 'interval'?)"))
        #expect(found.contains("picket.yaml:9:16: apps[0].health_check.timeout: expected a duration such as 500ms, 5s, 2m or 1h, got '5'"))
        #expect(found.count == 6)
    }

    @Test(arguments: [
        ("balance: hash $uri{", "a hash key may only hold"),
        ("balance: fastest", "expected round_robin, least_conn, ip_hash"),
        ("when_all_down: fail_opne", "did you mean 'fail_open'"),
        ("keepalive: 0", "must be from 1 to 10000"),
        ("health_check: {timeout: 6s}", "must not exceed the interval"),
        ("health_check: {type: tcp, path: /x}", "only applies to type: http"),
        ("health_check: {headers: {\"X-A\": \"a\\r\\nb\"}}", "may not hold line breaks"),
        ("circuit_breaker: {half_open_timeout: 2s}", "'half_open_timeout' is no longer supported: an open circuit no longer stops probes"),
        ("circuit_breaker: {max_recovery_timeout: 5m}", "write max_probe_interval"),
        ("circuit_breaker: {success_threshold: 3}", "readmission now takes health_check.success_threshold passes"),
        ("health_check: {interval: 1s, fast_interval: 2s, timeout: 500ms}", "must not exceed the interval"),
        ("circuit_breaker: {hold_down: 1m, max_hold_down: 30s}", "must be at least hold_down (1m)"),
        ("health_check: {expected_status_codes: [\"200-700\"]}", "between 100 and 599"),
        ("health_check: {type: tcp, reuse_connection: true}", "only applies to type: http"),
        ("health_check: {max_checks_per_connection: 0}", "must be from 1 to 10000"),
    ])
    func rejectsBadValuesWithAClearMessage(line: String, message: String) {
        let found = problems("""
            nginx: {output: /tmp/u.conf}
            apps:
              - name: web
                instances: [127.0.0.1:8001]
                \(line)
            """)
        #expect(found.contains { $0.contains(message) }, "\(found)")
    }

    @Test func connectionReuseIsOffByDefaultAndRenewsEveryTenChecksWhenOn() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            apps:
              - {name: a, instances: [127.0.0.1:1]}
              - {name: b, instances: [127.0.0.1:2], health_check: {reuse_connection: true}}
              - {name: c, instances: [127.0.0.1:3], health_check: {reuse_connection: yes, max_checks_per_connection: 100}}
            """)
        #expect(config.apps.map(\.healthCheck.reuseConnection) == [false, true, true])
        #expect(config.apps.map(\.healthCheck.maxChecksPerConnection) == [10, 10, 100])
    }

    @Test func rejectsDuplicatesAndBackupWithHashing() {
        let found = problems("""
            nginx: {output: /tmp/u.conf}
            apps:
              - name: web
                balance: ip_hash
                instances: [127.0.0.1:8001, 127.0.0.1:8001, {address: "127.0.0.1:8002", backup: true}]
            """)
        let twice = problems("""
            nginx: {output: /tmp/u.conf}
            apps:
              - {name: web, instances: [127.0.0.1:8001]}
              - {name: web, instances: [127.0.0.1:8002]}
            """)
        #expect(found.contains { $0.contains("duplicate instance 127.0.0.1:8001") })
        #expect(found.contains { $0.contains("nginx does not allow backup servers with ip_hash") })
        #expect(twice == ["picket.yaml:4:12: apps[1].name: duplicate app name 'web'"])
    }

    @Test func reportsProblemsInDefaultsOnceUnderTheirOwnPath() {
        let found = problems("""
            nginx: {output: /tmp/u.conf}
            defaults:
              health_check: {interval: fast}
            apps:
              - {name: a, instances: [127.0.0.1:1]}
              - {name: b, instances: [127.0.0.1:2]}
            """)
        #expect(found == ["picket.yaml:3:28: defaults.health_check.interval: expected a duration such as 500ms, 5s, 2m or 1h, got 'fast'"])
    }

    @Test func reportsYAMLSyntaxErrorsWithTheirLocation() {
        let found = problems("nginx:\n  output: [unclosed\napps: []\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("picket.yaml:"))
        #expect(found[0].contains("YAML syntax"))
    }

    @Test func parsesAddressesOfEveryKindAndRefusesHostileOnes() throws {
        #expect(try ServerAddress(validating: "unix:/run/app.sock").description == "unix:/run/app.sock")
        #expect(try ServerAddress(validating: "[2001:db8::1]:443").description == "[2001:db8::1]:443")
        #expect(try ServerAddress(validating: "App-1.internal:80").description == "app-1.internal:80")
        for hostile in ["127.0.0.1:80; }", "host:80 backup", "a b:80", "$host:80", "unix:/tmp/x;y", "[::1:80", "1.2.3.999:80", "[1::2::3]:80", "127.0.0.1"] {
            #expect(throws: AddressError.self, "\(hostile)") { try ServerAddress(validating: hostile) }
        }
    }

    @Test func anUnwrittenTimeoutFollowsAShortInterval() throws {
        let config = try ConfigLoader.parse(
            "nginx: {output: /tmp/u.conf}\napps:\n  - {name: web, instances: [127.0.0.1:8001], health_check: {interval: 1s}}\n",
            file: "picket.yaml", baseDirectory: "/etc/picket")
        #expect(config.apps[0].healthCheck.timeout == .seconds(1), "interval: 1s alone is a valid config")
    }
}
