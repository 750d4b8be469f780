import Foundation
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
        #expect(config.docker == DockerSettings(host: .unix(path: "/etc/picket/run/docker.sock"), callTimeout: .seconds(3), resyncInterval: .seconds(30)))
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

    @Test func socketTakesAUnixSocketAndSendsATCPEngineToHost() throws {
        let refused = problems("nginx: {output: /tmp/u.conf}\ndocker: {socket: \"tcp://127.0.0.1:2375\"}\napps:\n  - {name: web, instances: [127.0.0.1:8001]}\n")
        #expect(refused.contains { $0.hasPrefix("picket.yaml:2:18: docker.socket: 'tcp://127.0.0.1:2375': socket is a unix socket's path; a tcp:// engine goes in docker.host") },
            "\(refused)")
        let config = try ConfigLoader.parse(
            "nginx: {output: /tmp/u.conf}\ndocker: {socket: \"unix:///run/docker.sock\"}\napps:\n  - {name: web, instances: [127.0.0.1:8001]}\n",
            file: "picket.yaml", baseDirectory: "/etc/picket")
        #expect(config.docker.host == .unix(path: "/run/docker.sock"))
    }

    @Test func theEngineFollowsDockerHostAndDockersTLSConventions() {
        let settings = DockerSettings()
        func engine(_ environment: [String: String], _ settings: DockerSettings = DockerSettings()) -> DockerEngine? {
            try? settings.engine(environment: environment).get()
        }
        #expect(engine([:]) == DockerEngine(host: .unix(path: "/var/run/docker.sock"), tls: nil))
        #expect(engine(["DOCKER_HOST": "unix:///run/user/docker.sock"]) == DockerEngine(host: .unix(path: "/run/user/docker.sock"), tls: nil))
        #expect(engine(["DOCKER_HOST": "tcp://10.0.0.1", "DOCKER_TLS_VERIFY": "1", "HOME": "/root"])
            == DockerEngine(host: .tcp(host: "10.0.0.1", port: 2376), tls: DockerTLS(certPath: "/root/.docker")), "2376 and ~/.docker, as the docker CLI")
        #expect(engine(["DOCKER_HOST": "tcp://[::1]:3376/", "DOCKER_CERT_PATH": "/certs"])
            == DockerEngine(host: .tcp(host: "::1", port: 3376), tls: DockerTLS(caFile: "/certs/ca.pem", clientCertificate: "/certs/cert.pem", clientKey: "/certs/key.pem")))
        #expect(engine(["DOCKER_HOST": "tcp://h:1"], DockerSettings(host: .unix(path: "/x.sock")))?.host == .unix(path: "/x.sock"), "the config wins")
        guard case .failure(let plain) = settings.engine(environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375"]) else {
            Issue.record("a tcp:// engine without TLS was accepted")
            return
        }
        #expect(plain.description.contains("over TLS only"), "\(plain)")
        guard case .failure(let ssh) = settings.engine(environment: ["DOCKER_HOST": "ssh://me@host"]) else {
            Issue.record("an ssh:// engine was accepted")
            return
        }
        #expect(ssh.description == "'DOCKER_HOST=ssh://me@host': expected unix:///path/to/docker.sock or tcp://HOST:PORT, as DOCKER_HOST")
        #expect(DockerHost.tcp(host: "::1", port: 2376).description == "tcp://[::1]:2376")
    }

    @Test func readsATCPEngineWithDockersCertificateDirectory() throws {
        let directory = try pemDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            docker: {host: "tcp://Docker1.internal", tls: \(directory)}
            apps: [{name: web, docker: {}}]
            """)
        #expect(config.docker.host == .tcp(host: "docker1.internal", port: 2376))
        #expect(config.docker.tls == DockerTLS(caFile: "\(directory)/ca.pem", clientCertificate: "\(directory)/cert.pem", clientKey: "\(directory)/key.pem"))
        #expect(try config.docker.engine(environment: ["DOCKER_HOST": "unix:///x.sock", "DOCKER_CERT_PATH": "/elsewhere"]).get()
            == DockerEngine(host: .tcp(host: "docker1.internal", port: 2376), tls: config.docker.tls), "the config wins over the environment")
        let fromEnvironment = try parse("nginx: {output: /tmp/u.conf}\ndocker: {tls: \(directory)}\napps: [{name: web, docker: {}}]\n")
        #expect(try fromEnvironment.docker.engine(environment: ["DOCKER_HOST": "tcp://10.1.2.3:2400"]).get()
            == DockerEngine(host: .tcp(host: "10.1.2.3", port: 2400), tls: config.docker.tls), "the host from DOCKER_HOST, the certificates from docker.tls")
    }

    @Test(arguments: [
        ("{host: \"tcp://a b:2376\"}", "2:16: docker.host: 'tcp://a b:2376': 'a b' is not a valid host name"),
        ("{host: \"ssh://me@host\"}", "2:16: docker.host: 'ssh://me@host': expected unix:///path/to/docker.sock or tcp://HOST:PORT"),
        ("{host: \"tcp://h:1\", socket: /run/docker.sock}", "docker.socket: give host or socket, not both"),
        ("{host: \"tcp://h:1\", tls: DIR/missing}", "docker.tls: DIR/missing/ca.pem: cannot be read"),
        ("{host: \"tcp://h:1\", tls: DIR/wrong}", "docker.tls: DIR/wrong/key.pem: holds no PEM private key block"),
    ])
    func rejectsABadEngineNamingTheKey(docker: String, message: String) throws {
        let directory = try pemDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: "\(directory)/wrong", withIntermediateDirectories: true)
        for name in ["ca.pem", "cert.pem", "key.pem"] {
            try FileManager.default.copyItem(atPath: "\(directory)/ca.pem", toPath: "\(directory)/wrong/\(name)")
        }
        let found = problems("nginx: {output: /tmp/u.conf}\ndocker: \(docker.replacingOccurrences(of: "DIR", with: directory))\napps: [{name: web, docker: {}}]\n")
        let expected = message.replacingOccurrences(of: "DIR", with: directory)
        #expect(found.contains { $0.contains(expected) && $0.hasPrefix("picket.yaml:2:") }, "\(found)")
    }

    @Test func appsPickANamedEngineAndOnlyTheEnginesInUseAreResolved() throws {
        let directory = try pemDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            docker:
              engines:
                - {name: east, host: "tcp://10.0.0.5:2376", tls: \(directory)}
                - {name: lab, host: "unix:///run/lab/docker.sock"}
            apps:
              - {name: web, docker: {engine: east}}
              - {name: api, docker: {engine: lab}}
            """)
        let east = DockerEngine(host: .tcp(host: "10.0.0.5", port: 2376), tls: DockerTLS(certPath: directory))
        #expect(config.docker.engines == ["east": east, "lab": DockerEngine(host: .unix(path: "/run/lab/docker.sock"), tls: nil)])
        #expect(config.apps.map { $0.docker?.engine } == ["east", "lab"])
        let used = try config.docker.engines(for: config.apps, environment: ["DOCKER_HOST": "tcp://nowhere:1"]).get()
        #expect(used.keys.sorted() == ["east", "lab"], "the default engine is not resolved (nor refused) when no app uses it")
        let withDefault = try parse("nginx: {output: /tmp/u.conf}\napps: [{name: web, docker: {}}]\n")
        #expect(withDefault.apps.first?.docker?.engine == .default)
        #expect(try withDefault.docker.engines(for: withDefault.apps, environment: [:]).get() == [.default: DockerEngine(host: .unix(path: "/var/run/docker.sock"), tls: nil)])
    }

    @Test(arguments: [
        ("[{name: east, host: \"tcp://10.0.0.5\"}]", "{engine: east}", "docker.engines[0].host: a tcp:// engine needs tls"),
        ("[{name: east, host: \"unix:///a.sock\"}, {name: east, host: \"unix:///b.sock\"}]", "{engine: east}", "docker.engines[1].name: duplicate engine name 'east'"),
        ("[{name: default, host: \"unix:///a.sock\"}]", "{}", "docker.engines[0].name: 'default': letters, digits"),
        ("[{name: east}]", "{engine: east}", "docker.engines[0].host: an engine needs a host"),
        ("[{name: east, host: \"unix:///a.sock\"}]", "{engine: eats}", "apps[0].docker.engine: no engine 'eats' in docker.engines (default, east) (did you mean 'east'?)"),
    ])
    func rejectsABadNamedEngineNamingTheKey(engines: String, app: String, message: String) {
        let found = problems("nginx: {output: /tmp/u.conf}\ndocker: {engines: \(engines)}\napps: [{name: web, docker: \(app)}]\n")
        #expect(found.contains { $0.contains(message) && $0.hasPrefix("picket.yaml:") }, "\(found)")
    }

    /// A directory in Docker's layout whose files hold the PEM blocks the loader looks for.
    private func pemDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-docker-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, block) in [("ca.pem", "CERTIFICATE"), ("cert.pem", "CERTIFICATE"), ("key.pem", "PRIVATE KEY")] {
            try "-----BEGIN \(block)-----\nAAAA\n-----END \(block)-----\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        return directory
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
