import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PicketRuntime
import PicketTestSupport

/// Picket's controller running inside the test process on a config file, with every log line kept.
final class InProcessPicket: @unchecked Sendable {
    let configPath: String
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let lines = NIOLockedValueBox<[String]>([])
    private var controller: Task<Void, Error>?

    init(configPath: String) {
        self.configPath = configPath
    }

    var log: [String] { lines.withLockedValue { $0 } }

    func logContains(_ text: String) -> Bool { log.contains { $0.contains(text) } }

    func count(_ text: String) -> Int { log.filter { $0.contains(text) }.count }

    func start() throws {
        let setup = try RuntimeSetup.load(path: configPath)
        let lines = lines
        let sink = LineSink { line in lines.withLockedValue { $0.append(line) } }
        let logger = Logger(label: "picket") { PicketLogHandler(label: $0, format: .text, level: .debug, sink: sink) }
        let controller = Controller(setup: setup, configPath: configPath, logger: logger, group: group, seed: 42)
        self.controller = Task { try await controller.run() }
    }

    func stop() async {
        controller?.cancel()
        _ = await controller?.result
        try? await group.shutdownGracefully()
    }
}

extension NginxPrefix {
    /// Which backends answer through nginx over `count` requests (a 502 shows as "502").
    func routed(_ count: Int = 9) async -> [String] {
        var seen: [String] = []
        for _ in 0..<count {
            if let response = try? await HTTPGet.get(port: port, group: MultiThreadedEventLoopGroup.singleton) {
                seen.append(response.status == 200 ? response.body.trimmingCharacters(in: .whitespacesAndNewlines) : "\(response.status)")
            } else {
                seen.append("error")
            }
        }
        return seen
    }
}
