import Foundation
import NIOPosix
import PicketConfig
import PicketNginx
import PicketRuntime
import PicketTestSupport
import Testing

/// A generated corpus of hostile configs through the real binary: `picket validate` never crashes and
/// locates every refusal; accepted ones run against a real nginx without crashing.
@Suite struct HostileConfigCorpusTests {
    static let corpusSize = 1000

    /// Every line is `FILE:LINE:COL: …` (a refusal, a warning), or the summary of an accepted config.
    static func unlocated(_ output: String, config: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { line in
            if line.hasPrefix("\(config): OK: ") { return false }
            return line.firstMatch(of: /^[^\n]+?:\d+:\d+: \S/) == nil
        }
    }

    @Test func aThousandMutatedConfigsNeverCrashValidateAndEveryRefusalIsLocated() async throws {
        let directory = try temporaryDirectory("picket-corpus")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var mutator = ConfigMutator(seed: 9, base: .fullBase(output: "\(directory)/upstreams.conf"))
        var cases: [(path: String, mutations: [String])] = []
        for index in 0..<Self.corpusSize {
            let (bytes, mutations) = mutator.next()
            let path = "\(directory)/config-\(index).yaml"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            cases.append((path, mutations))
        }
        let clock = ContinuousClock()
        let started = clock.now
        var accepted = 0, problems: [String] = []
        for (path, mutations) in cases {
            let result = await CommandRunner.run([ChildProcess.binary, "validate", "--config", path], timeout: .seconds(20))
            if result.timedOut || !(0...1).contains(result.status) {
                problems.append("\(path) (\(mutations)): status \(result.status), timed out \(result.timedOut): \(result.output.prefix(500))")
            } else if result.status == 1, result.output.isEmpty {
                problems.append("\(path) (\(mutations)): refused without a word")
            } else if let line = Self.unlocated(result.output, config: path).first {
                problems.append("\(path) (\(mutations)): a line without FILE:LINE:COL: \(line)")
            }
            if result.status == 0 { accepted += 1 }
        }
        print("hostile corpus: \(cases.count) configs through picket validate in \(clock.now - started): \(accepted) accepted, \(cases.count - accepted) refused")
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5).joined(separator: "\n"))")
        #expect(accepted > 20 && accepted < Self.corpusSize / 2, "the corpus has both accepted and refused configs: \(accepted) accepted")
    }

    @Test func aSampleOfAcceptedMutatedConfigsRunsAgainstARealNginx() async throws {
        let nginx = try NginxPrefix(port: freePort())
        let backends = [try await ScriptedBackend(name: "a", group: MultiThreadedEventLoopGroup.singleton),
            try await ScriptedBackend(name: "b", group: MultiThreadedEventLoopGroup.singleton)]
        try "upstream web { server \(backends[0].address); }\n".write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        try await nginx.start()
        let base = ConfigTree.map([
            ("nginx", .map([
                ("main_config", .scalar(nginx.confPath)), ("output", .scalar(nginx.outputPath)), ("pid_file", .scalar(nginx.pidPath)),
                ("test_command", .scalar("[\(NginxPrefix.binary), -p, \(nginx.root), -q, -t, -c, \"{config}\"]")),
            ])),
            ("status", .map([("enabled", .scalar("false"))])),
            ("state", .map([("enabled", .scalar("false"))])),
            ("apps", .list([.map([("name", .scalar("web")), ("instances", .scalar("[\(backends.map(\.address).joined(separator: ", "))]"))])])),
        ])
        let touchable = ["apps[0].health_check", "apps[0].circuit_breaker", "apps[0].balance", "apps[0].keepalive", "apps[0].max_fails",
            "apps[0].fail_timeout", "apps[0].when_all_down", "defaults.health_check", "defaults.circuit_breaker", "probes", "nginx.coalesce",
            "nginx.resync_interval", "nginx.command_timeout"]
        let placements = KeyPlacement.all.filter { placement in touchable.contains { placement.keyPath.hasPrefix($0) } }
        var mutator = ConfigMutator(seed: 17, base: base, placements: placements)
        var sample: [(path: String, mutations: [String])] = []
        var tried = 0
        while sample.count < 8, tried < 2000 {
            tried += 1
            let (bytes, mutations) = mutator.next()
            let path = "\(nginx.root)/sample-\(tried).yaml"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if (try? RuntimeSetup.load(path: path)) != nil { sample.append((path, mutations)) }
        }
        #expect(sample.count == 8, "found \(sample.count) accepted configs in \(tried)")
        for (path, mutations) in sample {
            let picket = try ChildProcess.picket(["run", "--config", path], logPath: "\(path).log")
            let started = await eventually(timeout: .seconds(5)) { picket.logContains("picket started") || !picket.isRunning }
            try? await Task.sleep(for: .seconds(1))
            #expect(started && picket.isRunning, "\(mutations): \(picket.log)")
            let status = await picket.stop()
            #expect(status == 0, "\(mutations): exit \(String(describing: status)); \(picket.log.suffix(2000))")
            #expect(!picket.log.contains("Fatal error") && !picket.log.contains("runtime failure"), "\(mutations): \(picket.log)")
        }
        let valid = await CommandRunner.run([NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", nginx.confPath], timeout: .seconds(10))
        #expect(valid.succeeded, "nginx accepts what the sample left: \(valid.summary)")
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }
}

/// A fresh directory under the system's temporary directory.
func temporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
