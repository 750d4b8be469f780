import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PicketRuntime
import PicketTestSupport

/// A whole Picket deployment in one test: a real nginx in a prefix, three real backends on loopback,
/// and the controller running in-process with its log lines captured.
final class Stack: @unchecked Sendable {
    let nginx: NginxPrefix
    let backends: [ScriptedBackend]
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let lines = NIOLockedValueBox<[String]>([])
    private var controller: Task<Void, Error>?
    let configPath: String

    /// Runs `body` against a fresh stack and always tears it down (nginx stopped, prefix removed).
    static func with(templateText: String? = nil, _ body: (Stack) async throws -> Void) async throws {
        let stack = try await Stack(templateText: templateText)
        do {
            try await body(stack)
        } catch {
            await stack.shutdown()
            throw error
        }
        await stack.shutdown()
    }

    private init(templateText: String?) async throws {
        nginx = try NginxPrefix(port: freePort())
        var template: String?
        if let templateText {
            template = "\(nginx.root)/upstreams.mustache"
            try templateText.write(toFile: template!, atomically: true, encoding: .utf8)
        }
        var started: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { started.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        backends = started
        configPath = "\(nginx.root)/picket.yaml"
        let yaml = nginx.picketSection(template: template) + """
            apps:
              - name: web
                health_check: {path: /health, interval: 500ms, timeout: 300ms, failure_threshold: 2, success_threshold: 1}
                instances: [\(started.map(\.address).joined(separator: ", "))]
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var log: [String] { lines.withLockedValue { $0 } }

    func logContains(_ text: String) -> Bool { log.contains { $0.contains(text) } }

    func startPicket() throws {
        let setup = try RuntimeSetup.load(path: configPath)
        let lines = lines
        let sink = LineSink { line in lines.withLockedValue { $0.append(line) } }
        let logger = Logger(label: "picket") { PicketLogHandler(label: $0, format: .text, level: .debug, sink: sink) }
        let controller = Controller(setup: setup, configPath: configPath, logger: logger, group: group, seed: 42)
        self.controller = Task { try await controller.run() }
    }

    /// Starts Picket, waits for the file it writes when none exists, starts nginx on it, and waits
    /// until every backend has its first verdict: the production start-up order.
    func startPicketThenNginx() async throws -> Bool {
        try startPicket()
        guard await eventually(timeout: .seconds(5), { FileManager.default.fileExists(atPath: nginx.outputPath) }) else { return false }
        try await nginx.start()
        return await eventually(timeout: .seconds(5)) { self.logContains("first round of checks complete: 3 of 3") }
    }

    /// Which backends answer through nginx over `count` requests (a 502 shows as "502").
    func routed(_ count: Int = 9) async -> [String] {
        var seen: [String] = []
        for _ in 0..<count {
            if let response = try? await HTTPGet.get(port: nginx.port, group: MultiThreadedEventLoopGroup.singleton) {
                seen.append(response.status == 200 ? response.body.trimmingCharacters(in: .whitespacesAndNewlines) : "\(response.status)")
            } else {
                seen.append("error")
            }
        }
        return seen
    }

    func shutdown() async {
        controller?.cancel()
        _ = await controller?.result
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
        try? await group.shutdownGracefully()
    }
}
