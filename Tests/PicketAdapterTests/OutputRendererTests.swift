import Foundation
import PicketCore
import PicketRender
import PicketTestSupport
import Testing

/// How one upstream set becomes the http file, the stream file, or one file per app.
@Suite struct OutputRendererTests {
    func app(_ name: String, _ addresses: [String], context: NginxContext = .http, balance: Balance = .roundRobin) -> AppSpec {
        AppSpec(
            name: try! AppName(validating: name), instances: addresses.map { InstanceSpec(address: try! ServerAddress(validating: $0)) },
            balance: balance, keepalive: 8, context: context)
    }

    var apps: [AppSpec] {
        let remote = try! HashKey(validating: "$remote_addr")
        return [
            app("web", ["127.0.0.1:8001", "127.0.0.1:8002"]),
            app("redis", ["127.0.0.1:6379", "127.0.0.1:6380"], context: .stream, balance: .random(twoLeastConn: true)),
            app("pg", ["127.0.0.1:5432", "127.0.0.1:5433"], context: .stream, balance: .hash(key: remote, consistent: true)),
            app("mqtt", ["127.0.0.1:1883"], context: .stream, balance: .leastConn),
            app("dns", ["127.0.0.1:5353"], context: .stream, balance: .random(twoLeastConn: false)),
        ]
    }

    @Test func theBuiltInStreamTemplateIsTheOneInTheRepository() throws {
        let file = try String(contentsOf: RenderTests.repository.appendingPathComponent("templates/stream-upstream.conf.mustache"), encoding: .utf8)
        #expect(file == DefaultStreamTemplate.text)
    }

    @Test func httpAndStreamAppsGoToTheirOwnFilesInTheStreamModulesSyntaxWhichNginxAccepts() throws {
        let settings = NginxSettings(output: "/conf/picket/upstreams.conf", streamOutput: "/conf/picket/stream.conf")
        let outputs = OutputRenderer(settings: settings).render(.assumingHealthy(apps))
        #expect(outputs.files.map(\.path) == ["/conf/picket/upstreams.conf", "/conf/picket/stream.conf"])
        let http = try #require(outputs.files.first { $0.role == .context(.http) }), stream = try #require(outputs.files.first { $0.role == .context(.stream) })
        #expect(http.text == UpstreamRenderer.builtIn.render(.assumingHealthy([apps[0]])), "the http file is what it was before stream apps")
        #expect(http.text.contains("keepalive 8;"))
        #expect(stream.text.hasPrefix(UpstreamRenderer.header))
        #expect(!stream.text.contains("keepalive") && !stream.text.contains("upstream web "))
        for line in ["random two least_conn;", "hash $remote_addr consistent;", "least_conn;", "    random;", "server 127.0.0.1:6379 weight=1 max_fails=1 fail_timeout=10s;"] {
            #expect(stream.text.contains(line), "\(line) in \(stream.text)")
        }
        let verdict = try nginxAccepts(http.text, stream: stream.text)
        #expect(verdict.ok, "nginx -t: \(verdict.output)")
    }

    @Test func eachAppGetsAFileOfItsOwnAndTheContextFilesIncludeThem() throws {
        let settings = NginxSettings(output: "/conf/picket/upstreams.conf", streamOutput: "/conf/picket/stream.conf", outputPerApp: "/conf/picket/apps")
        let outputs = OutputRenderer(settings: settings).render(.assumingHealthy(Array(apps.prefix(2))))
        #expect(outputs.files.map(\.path) == ["/conf/picket/apps/web.conf", "/conf/picket/upstreams.conf", "/conf/picket/apps/redis.conf", "/conf/picket/stream.conf"])
        #expect(outputs.files.map(\.role) == [.app(apps[0].name), .context(.http), .app(apps[1].name), .context(.stream)])
        #expect(outputs.files[1].text == UpstreamRenderer.header + "include /conf/picket/apps/web.conf;\n")
        #expect(outputs.files[3].text == UpstreamRenderer.header + "include /conf/picket/apps/redis.conf;\n")
        #expect(outputs.files[0].text == UpstreamRenderer.builtIn.render(.assumingHealthy([apps[0]])))
        #expect(outputs.appDirectory == "/conf/picket/apps" && outputs.marker == UpstreamRenderer.header)
    }
}
