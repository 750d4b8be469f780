import PicketConfig
import PicketCore
import Testing

@Suite struct DockerConfigTests {
    @Test func aDockerAppNeedsNoInstancesAndGetsDocumentedDefaults() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            apps:
              - name: web
                docker: {port: 8080}
            """)
        let app = try #require(config.apps.first)
        #expect(app.instances.isEmpty)
        #expect(app.docker == DockerSource(selector: ["picket.app": "web"], port: 8080, addressing: .host))
        #expect(app.recovery == RecoveryPolicy())
        #expect(app.recovery.maxRestarts == 3 && app.recovery.restartWindow == .seconds(600), "the seed's 3 restarts per 10 minutes")
        #expect(config.docker == DockerSettings())
    }

    @Test func readsSelectorNetworkRecoveryAndEngineSettings() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            docker: {socket: run/docker.sock, call_timeout: 3s, resync_interval: 30s, first_listing_wait: 4s}
            defaults:
              recovery: {max_restarts: 5}
            apps:
              - name: web
                docker: {selector: {team: a, tier: web}, network: backend}
                recovery: {after_failures: 4, drain_timeout: 0s, stop_timeout: 2s, backoff: {initial: 1s, max: 8s, jitter: 0}, recreate: false, max_in_flight: 2}
            """)
        let app = try #require(config.apps.first)
        #expect(app.docker == DockerSource(selector: ["team": "a", "tier": "web"], port: nil, addressing: .network("backend")))
        #expect(app.recovery == RecoveryPolicy(
            afterFailures: 4, drainTimeout: .zero, stopTimeout: .seconds(2), maxRestarts: 5,
            backoff: Backoff(base: .seconds(1), cap: .seconds(8), jitter: 0), recreate: false, maxInFlight: 2))
        #expect(config.docker == DockerSettings(socket: "/etc/picket/run/docker.sock", callTimeout: .seconds(3), resyncInterval: .seconds(30)))
        #expect(config.controller.firstListingWait == .seconds(4), "the controller is what waits for the first listing")
    }

    @Test(arguments: [
        ("recovery: {max_restarts: 2}", "recovery heals containers: it needs a docker: section"),
        ("docker: {selector: [picket.app]}", "expected a mapping of label names to values"),
        ("docker: {selectr: {a: b}}", "unknown key 'selectr' (did you mean 'selector'?)"),
        ("docker: {port: 70000}", "docker.port"),
        ("{docker: {}, recovery: {stop_timeout: 1500ms}}", "whole seconds"),
        ("{docker: {}, recovery: {backoff: {initial: 10s, max: 1s}}}", "must be at least backoff.initial"),
        ("{docker: {}, recovery: {max_in_flight: 0}}", "recovery.max_in_flight"),
    ])
    func rejectsBadDockerSettingsNamingTheKey(line: String, message: String) {
        let app = line.hasPrefix("{") ? "  - {name: web, " + line.dropFirst() : "  - name: web\n    instances: [127.0.0.1:8001]\n    \(line)"
        let found = problems("nginx: {output: /tmp/u.conf}\napps:\n\(app)\n")
        #expect(found.contains { $0.contains(message) }, "\(found)")
        #expect(found.allSatisfy { $0.hasPrefix("picket.yaml:") })
    }

    @Test func dockerSocketFollowsTheSameRuleAsDockerHost() throws {
        let refused = problems("nginx: {output: /tmp/u.conf}\ndocker: {socket: \"tcp://127.0.0.1:2375\"}\napps:\n  - {name: web, instances: [127.0.0.1:8001]}\n")
        #expect(refused.contains { $0.hasPrefix("picket.yaml:2:18: docker.socket: 'tcp://127.0.0.1:2375': Picket talks to the engine over its unix socket only") },
            "\(refused)")
        let config = try ConfigLoader.parse(
            "nginx: {output: /tmp/u.conf}\ndocker: {socket: \"unix:///run/docker.sock\"}\napps:\n  - {name: web, instances: [127.0.0.1:8001]}\n",
            file: "picket.yaml", baseDirectory: "/etc/picket")
        #expect(config.docker.socket == "/run/docker.sock")
    }

    @Test func dockerHostMustBeAUnixSocket() {
        let settings = DockerSettings()
        #expect(settings.socketPath(environment: [:]) == .success("/var/run/docker.sock"))
        #expect(settings.socketPath(environment: ["DOCKER_HOST": "unix:///run/user/docker.sock"]) == .success("/run/user/docker.sock"))
        #expect(settings.socketPath(environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375"]) == .failure(DockerHostError(value: "tcp://10.0.0.1:2375")))
        #expect(DockerSettings(socket: "/x.sock").socketPath(environment: ["DOCKER_HOST": "tcp://h:1"]) == .success("/x.sock"))
    }
}

@Suite struct OperationsConfigTests {
    @Test func readsStatusStateAndAlertsWithDefaults() throws {
        let defaults = try parse("nginx: {output: /tmp/u.conf}\napps: [{name: web, instances: [127.0.0.1:8001]}]\n")
        #expect(defaults.status == StatusSettings())
        #expect(defaults.state == StateSettings(path: "/etc/picket/picket.state.db"), "beside the config, named after it")
        #expect(defaults.alerts == AlertSettings())
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            status: {listen: "[::1]:9999", token: abcdefghijklmnopq}
            state: {path: /var/lib/picket/state.db, retention: 2h}
            alerts:
              webhooks: [{url: "http://hooks.local:8080/x?y=1", min_severity: error, events: [app_all_down]}]
            apps: [{name: web, instances: [127.0.0.1:8001]}]
            """)
        #expect(config.status == StatusSettings(host: "::1", port: 9999, token: "abcdefghijklmnopq"))
        #expect(config.state == StateSettings(path: "/var/lib/picket/state.db", retention: .seconds(7200)))
        let hook = try #require(config.alerts.webhooks.first)
        #expect(hook.url == "http://hooks.local:8080/x?y=1" && hook.minSeverity == .error && hook.events == [.appAllDown])
        #expect(hook.wants(.appAllDown) && !hook.wants(.circuitOpened))
    }

    @Test func readsAnHTTPSWebhookWithHeadersSecretAndCA() throws {
        let config = try ConfigLoader.parse(
            "nginx: {output: /tmp/u.conf}\nalerts: {webhooks: [{url: \"https://hooks.example:8443/p\", headers: {X-Team: ops}, secret: 0123456789abcdef, ca_file: ca.pem}]}\napps: [{name: web, instances: [127.0.0.1:8001]}]\n",
            file: "picket.yaml", baseDirectory: "/etc/picket")
        let hook = try #require(config.alerts.webhooks.first)
        #expect(hook.tls && hook.host == "hooks.example" && hook.port == 8443 && hook.url == "https://hooks.example:8443/p")
        #expect(hook.headers == [HeaderField(name: "X-Team", value: "ops")] && hook.secret == "0123456789abcdef" && hook.caFile == "/etc/picket/ca.pem")
        let plain = try ConfigLoader.parse(
            "nginx: {output: /tmp/u.conf}\nalerts: {webhooks: [{url: \"https://[::1]/p\"}]}\napps: [{name: web, instances: [127.0.0.1:8001]}]\n",
            file: "picket.yaml", baseDirectory: "/etc/picket")
        #expect(plain.alerts.webhooks.first?.port == 443 && plain.alerts.webhooks.first?.host == "::1" && plain.alerts.webhooks.first?.url == "https://[::1]:443/p")
    }

    @Test(arguments: [
        ("status: {listen: unix:/run/picket.sock}", "status.listen: expected host:port"),
        ("status: {token: short}", "status.token: use at least 16 characters"),
        ("state: {retention: 10s}", "state.retention"),
        ("alerts: {webhooks: [{url: \"ftp://x.example/hook\"}]}", "expected http://HOST[:PORT]/PATH or https://HOST[:PORT]/PATH"),
        ("alerts: {webhooks: [{url: \"https://user:pw@x.example/hook\"}]}", "(no user or password)"),
        ("alerts: {webhooks: [{url: \"http://x/hook\", ca_file: /etc/ca.pem}]}", "alerts.webhooks[0].ca_file: only applies to an https:// url"),
        ("alerts: {webhooks: [{url: \"https://x/hook\", secret: short}]}", "alerts.webhooks[0].secret: use at least 16 characters"),
        ("alerts: {webhooks: [{url: \"https://x/hook\", headers: {Content-Length: 3}}]}", "'Content-Length' is written by Picket itself"),
        ("alerts: {webhooks: [{url: \"https://x/hook\", headers: {X-Key: \"a\\nb\"}}]}", "a header value may not hold line breaks"),
        ("alerts: {webhooks: [{url: \"http://x/hook\", events: [circuit_open]}]}", "unknown event 'circuit_open' (did you mean 'circuit_opened'?)"),
        ("alerts: {webhooks: [{url: \"http://x/hook\", min_severity: loud}]}", "min_severity"),
    ])
    func rejectsBadOperationsSettingsNamingTheKey(line: String, message: String) {
        let found = problems("nginx: {output: /tmp/u.conf}\n\(line)\napps: [{name: web, instances: [127.0.0.1:8001]}]\n")
        #expect(found.contains { $0.contains(message) }, "\(found)")
    }
}
