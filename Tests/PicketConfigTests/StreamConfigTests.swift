import PicketConfig
import PicketCore
import Testing

/// `nginx.context: stream` apps, their output and what the stream module has no syntax for.
@Suite struct StreamConfigTests {
    @Test func aStreamAppGoesToTheStreamOutputAndIsCheckedOverTCPByDefault() throws {
        let config = try parse("""
            nginx:
              output: upstreams.conf
              stream_output: stream.conf
              output_per_app: apps
              stream_template: stream.mustache
            defaults:
              keepalive: 16
            apps:
              - name: web
                instances: [127.0.0.1:8001]
              - name: redis
                nginx: {context: stream}
                balance: random two least_conn
                instances: [127.0.0.1:6379, 127.0.0.1:6380]
              - name: db
                nginx: {context: stream}
                balance: hash $remote_addr consistent
                health_check: {probe_data: "PING\\r\\n", expected_response: PONG}
                instances: [127.0.0.1:5432]
            """)
        #expect(config.nginx.streamOutput == "/etc/picket/stream.conf")
        #expect(config.nginx.outputPerApp == "/etc/picket/apps")
        #expect(config.nginx.streamTemplate == "/etc/picket/stream.mustache")
        #expect(config.apps.map(\.context) == [.http, .stream, .stream])
        #expect(config.apps[0].healthCheck.kind == .http(HTTPCheck()))
        #expect(config.apps[1].healthCheck.kind == .tcp(TCPCheck()), "a stream app without a check type gets a TCP connect")
        #expect(config.apps[1].balance == .random(twoLeastConn: true))
        #expect(config.apps[2].healthCheck.kind == .tcp(TCPCheck(probeData: "PING\r\n", expectedResponse: "PONG")))
        #expect(config.apps[2].balance == .hash(key: try HashKey(validating: "$remote_addr"), consistent: true))
        #expect(Upstream(app: config.apps[1]) { _ in .serving(rampStep: nil) }.keepalive == nil, "keepalive from defaults: is for http apps")
    }

    @Test func refusesWhatTheStreamModuleCannotDoWithTheirLocations() {
        let found = problems("""
            nginx:
              output: /tmp/u.conf
            apps:
              - name: redis
                nginx: {context: stream}
                balance: ip_hash
                keepalive: 8
                health_check: {type: http, path: /health}
                instances: [127.0.0.1:6379]
              - name: mqtt
                nginx: {context: udp}
                instances: [127.0.0.1:1883]
            """)
        #expect(found.contains("picket.yaml:5:12: apps[0].nginx.context: a stream app needs nginx.stream_output: the file nginx.conf includes inside stream {}"))
        #expect(found.contains("picket.yaml:6:14: apps[0].balance: nginx's stream module has no ip_hash: use 'hash $remote_addr consistent'"))
        #expect(found.contains("picket.yaml:7:16: apps[0].keepalive: keepalive is an http directive: a stream upstream has no connection cache"))
        #expect(found.contains(
            "picket.yaml:8:26: apps[0].health_check.type: a stream app is checked with type: tcp or grpc (or enabled: false): nginx relays its connections at layer 4, not HTTP requests"))
        #expect(found.contains { $0.hasPrefix("picket.yaml:11:22: apps[1].nginx.context: ") }, "\(found)")
    }

    @Test func theStreamOutputIsAFileOfItsOwn() {
        let found = problems("""
            nginx: {output: /tmp/u.conf, stream_output: /tmp/u.conf}
            apps: [{name: web, instances: [127.0.0.1:80]}]
            """)
        #expect(found.contains { $0.contains("nginx.stream_output: must differ from nginx.output") }, "\(found)")
    }

    @Test func anAppsOwnFileMayNotBeAnOutput() {
        let found = problems("""
            nginx: {output: /tmp/p/upstreams.conf, output_per_app: /tmp/p}
            apps: [{name: upstreams, instances: [127.0.0.1:80]}]
            """)
        #expect(found.contains {
            $0.hasPrefix("picket.yaml:2:15: apps[0].name: with nginx.output_per_app this app's file would be /tmp/p/upstreams.conf, which is already an output")
        }, "\(found)")
    }

    @Test func randomBalancingIsReadInBothForms() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            apps:
              - {name: a, balance: random, instances: [127.0.0.1:80]}
              - {name: b, balance: random two least_conn, instances: [127.0.0.1:81]}
            """)
        #expect(config.apps.map(\.balance) == [.random(twoLeastConn: false), .random(twoLeastConn: true)])
        #expect(problems("""
            nginx: {output: /tmp/u.conf}
            apps: [{name: a, balance: random two, instances: [127.0.0.1:80]}]
            """).first?.contains("expected round_robin, least_conn, ip_hash, 'hash KEY [consistent]', random or 'random two least_conn'") == true)
    }
}
