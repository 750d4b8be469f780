import Foundation
import PicketCore
import PicketRender
import PicketTestSupport
import Testing

@Suite(.serialized) struct RenderTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = here.deletingLastPathComponent().deletingLastPathComponent()

    func app(_ name: String, _ addresses: [String], balance: Balance = .roundRobin, keepalive: Int? = nil, backup: Set<String> = []) -> AppSpec {
        AppSpec(
            name: try! AppName(validating: name),
            instances: addresses.map { InstanceSpec(address: try! ServerAddress(validating: $0), weight: $0.hasSuffix("2") ? 5 : 1, backup: backup.contains($0)) },
            balance: balance, keepalive: keepalive, failTimeout: .seconds(30))
    }

    var scenarios: [(String, UpstreamSet)] {
        let key = try! HashKey(validating: "$request_uri")
        let apps = [
            app("web", ["127.0.0.1:8001", "127.0.0.1:8002", "[::1]:8003", "unix:/run/app.sock"], keepalive: 16, backup: ["unix:/run/app.sock"]),
            app("api.v2", ["127.0.1.1:9000", "127.0.1.2:9000"], balance: .hash(key: key, consistent: true)),
            app("static", ["127.0.0.1:7001"], balance: .leastConn),
        ]
        let oneDown = UpstreamSet(apps: apps) { id, _ in
            id.address.description != "127.0.1.2:9000" && id.address.description != "127.0.0.1:8002" ? .serving(rampStep: nil) : .out
        }
        let allDown = UpstreamSet(apps: [apps[2]]) { _, _ in .out }
        let db = app("db", ["127.0.2.1:5432", "127.0.2.3:5432", "127.0.2.9:5432"], backup: ["127.0.2.9:5432"])
        let backupsOnly = UpstreamSet(apps: [db]) { id, _ in id.address.description == "127.0.2.9:5432" ? .serving(rampStep: nil) : .out }
        let rampingApp = app("ramp", ["127.0.3.1:80", "127.0.3.2:80", "127.0.3.3:80"])
        let ramping = UpstreamSet(apps: [rampingApp]) { id, _ in id.address.description == "127.0.3.3:80" ? .serving(rampStep: 2) : .serving(rampStep: nil) }
        return [
            ("all-healthy", .assumingHealthy(apps)), ("one-down-each", oneDown), ("all-down-fail-open", allDown),
            ("backups-only", backupsOnly), ("slow-start", ramping),
        ]
    }

    @Test func builtInTemplateIsTheOneInTheRepository() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("templates/upstream.conf.mustache"), encoding: .utf8)
        #expect(file == DefaultTemplate.text)
    }

    @Test func rendersGoldenFilesThatARealNginxAccepts() throws {
        for (name, set) in scenarios {
            let rendered = UpstreamRenderer.builtIn.render(set)
            let golden = Self.here.appendingPathComponent("Golden/\(name).conf")
            if ProcessInfo.processInfo.environment["PICKET_UPDATE_GOLDEN"] == "1" {
                try rendered.write(to: golden, atomically: true, encoding: .utf8)
            }
            #expect(rendered == (try String(contentsOf: golden, encoding: .utf8)), "\(name) differs from its golden file")
            #expect(rendered == UpstreamRenderer.builtIn.render(set), "rendering must be deterministic")
            let verdict = try nginxAccepts(rendered)
            #expect(verdict.ok, "nginx -t rejected \(name): \(verdict.output)")
        }
    }

    @Test func theCompiledBuiltInTemplateWritesTheSameBytesAsSwiftMustache() throws {
        let mustache = try UpstreamRenderer(text: DefaultTemplate.text, name: DefaultTemplate.name, compiledBuiltIn: false)
        let compiled = try UpstreamRenderer(text: DefaultTemplate.text, name: DefaultTemplate.name)
        var random = SystemRandomNumberGenerator()
        let key = try HashKey(validating: "$request_uri")
        let balances: [Balance] = [
            .roundRobin, .leastConn, .ipHash, .hash(key: key, consistent: false), .hash(key: key, consistent: true), .random(twoLeastConn: false),
            .random(twoLeastConn: true),
        ]
        let addresses = ["127.0.0.1:8001", "[::1]:8443", "[2001:db8::7]:80", "unix:/run/app.sock", "app-1.internal:9000", "10.0.0.255:65535"]
        let timeouts: [Duration] = [.milliseconds(1), .milliseconds(999), .seconds(1), .milliseconds(1500), .seconds(30), .seconds(3600)]
        for round in 0..<200 {
            let upstreams = try (0..<Int.random(in: 1...5, using: &random)).map { index in
                Upstream(
                    name: try AppName(validating: "app\(round)-\(index)"), balance: balances.randomElement(using: &random)!,
                    keepalive: Bool.random(using: &random) ? Int.random(in: 1...10_000, using: &random) : nil,
                    servers: try (0..<Int.random(in: 0...6, using: &random)).map { _ in
                        UpstreamServer(
                            address: try ServerAddress(validating: addresses.randomElement(using: &random)!), weight: Int.random(in: 1...1000, using: &random),
                            maxFails: Int.random(in: 0...10, using: &random), failTimeout: timeouts.randomElement(using: &random)!,
                            backup: Bool.random(using: &random), down: Bool.random(using: &random))
                    },
                    allDown: [nil, .failed(.failOpen), .failed(.failClosed), .noContainers].randomElement(using: &random)!)
            }
            let set = UpstreamSet(upstreams: upstreams)
            #expect(compiled.render(set) == mustache.render(set), "round \(round): \(set)")
        }
    }

    @Test func aTemplateWithASyntaxErrorIsRefusedWithItsLocation() {
        #expect(throws: RenderError.self) { try UpstreamRenderer(text: "upstream {{#upstreams}}{{name}\n", name: "bad.mustache") }
    }

}

/// Runs `nginx -t` on a minimal config that includes `http` inside http {} and `stream`, if any, inside
/// stream {}.
func nginxAccepts(_ http: String, stream: String? = nil) throws -> (ok: Bool, output: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("picket-render-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("logs"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try http.write(to: dir.appendingPathComponent("upstreams.conf"), atomically: true, encoding: .utf8)
    var conf = "pid logs/nginx.pid; error_log logs/error.log; events {} http { include \(dir.path)/upstreams.conf; }"
    if let stream {
        try stream.write(to: dir.appendingPathComponent("stream.conf"), atomically: true, encoding: .utf8)
        conf = try NginxPrefix.streamModuleLine() + conf + " stream { include \(dir.path)/stream.conf; }"
    }
    try conf.write(to: dir.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: NginxPrefix.binary)
    process.arguments = ["-p", dir.path, "-t", "-c", dir.appendingPathComponent("nginx.conf").path]
    let pipe = Pipe()
    process.standardError = pipe
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationStatus == 0, output)
}
