import Foundation
import PicketNginx
import PicketTestSupport

/// Busybox `httpd` containers on loopback ports (`--network host`) on a real Docker engine, labelled
/// for one test (`picket.test=RUN`, `picket.app=APP`) so that its Pickets select them and `removeAll`
/// finds them. `cli` reaches another engine than the machine's own (`--host`, TLS flags).
final class TestContainers: @unchecked Sendable {
    let run: String
    private let app: String
    private let cli: [String]
    private var extraNames: [String] = []

    init(run: String = "t\(UUID().uuidString.prefix(8).lowercased())", app: String = "web", cli: [String] = []) {
        self.run = run
        self.app = app
        self.cli = cli
    }

    struct Backend {
        let name: String
        let address: String
    }

    struct DockerFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// A container named `name` answering `container NAME` on `/` and `ok` on `/health`.
    @discardableResult
    func start(_ name: String, port: Int = freePort(), labelled: Bool = true, command: String? = nil, options: [String] = []) async throws -> Backend {
        let full = "\(run)-\(name)"
        let script = command ?? "mkdir -p /tmp/w && echo container \(name) > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(port) -h /tmp/w"
        var args = ["run", "-d", "--network", "host", "--stop-timeout", "1", "--name", full] + options
        if labelled {
            args += ["--label", "picket.app=\(app)", "--label", "picket.test=\(run)", "--label", "picket.port=\(port)"]
        } else {
            extraNames.append(full)
        }
        try await docker(args + [DockerStack.image, "sh", "-c", script])
        return Backend(name: full, address: "127.0.0.1:\(port)")
    }

    @discardableResult
    func docker(_ args: [String], timeout: Duration = .seconds(60)) async throws -> String {
        let result = await CommandRunner.run(["/usr/bin/env", "docker"] + cli + args, timeout: timeout)
        guard result.succeeded else { throw DockerFailed(description: "docker \(args.joined(separator: " ")): \(result.summary)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `docker inspect` of one field, e.g. `{{.State.Status}}`.
    func inspect(_ name: String, _ format: String) async -> String {
        (try? await docker(["inspect", "--format", format, name])) ?? ""
    }

    /// How many times the engine says `action` (restart, start, die…) happened to `name` since `since`
    /// (Unix seconds): counted from the engine's own events, whoever asked for them.
    func events(_ action: String, of name: String, since: Int) async -> Int {
        let until = Int(Date().timeIntervalSince1970) + 1
        let output = (try? await docker([
            "events", "--since", "\(since)", "--until", "\(until)", "--filter", "container=\(name)", "--filter", "event=\(action)", "--format", "{{.Action}}",
        ])) ?? ""
        return output.split(separator: "\n").filter { $0 == action }.count
    }

    /// Removes every container of this test.
    func removeAll() async {
        let ids = ((try? await docker(["ps", "-aq", "--filter", "label=picket.test=\(run)"])) ?? "").split(separator: "\n").map(String.init)
        _ = try? await docker(["rm", "-f"] + ids + extraNames)
    }
}
