import Foundation
import NIOPosix
import PicketTestSupport

/// A deployment as in production: a real nginx, `count` real backends on loopback, and the `picket`
/// binary as a process of its own (optionally under an open-file limit) with its status API.
final class Deployment: @unchecked Sendable {
    let nginx: NginxPrefix
    let backends: [ScriptedBackend]
    let picket: ChildProcess
    let api: StatusAPI

    /// `prepare` runs before Picket starts (to plant a pid file, say).
    init(
        backends count: Int, behaviour: ScriptedBackend.Behaviour, check: String, openFiles: (soft: Int, hard: Int)? = nil,
        prepare: (NginxPrefix) throws -> Void = { _ in }
    ) async throws {
        nginx = try NginxPrefix(port: freePort())
        var started: [ScriptedBackend] = []
        for index in 0..<count {
            let backend = try await ScriptedBackend(name: "\(index)", port: 0, group: MultiThreadedEventLoopGroup.singleton)
            backend.behaviour = behaviour
            started.append(backend)
        }
        backends = started
        let port = freePort()
        api = StatusAPI(port: port)
        let config = "\(nginx.root)/picket.yaml"
        try (nginx.picketSection() + """
            status: {listen: 127.0.0.1:\(port)}
            state: {enabled: false}
            apps:
              - name: web
                health_check: \(check)
                instances: [\(started.map(\.address).joined(separator: ", "))]
            """).write(toFile: config, atomically: true, encoding: .utf8)
        try prepare(nginx)
        picket = try ChildProcess.picket(["run", "--config", config], logPath: "\(nginx.root)/picket.log", openFiles: openFiles)
    }

    /// The production order: Picket writes the first file, then nginx starts on it.
    func startNginx() async throws -> Bool {
        guard await eventually(timeout: .seconds(10), { FileManager.default.fileExists(atPath: nginx.outputPath) }) else { return false }
        try await nginx.start()
        return true
    }

    func shutdown() async {
        await picket.stop()
        await nginx.stop()
        for backend in backends { try? await backend.stop() }
    }
}
