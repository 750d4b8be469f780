import Foundation
import NIOPosix
import PicketTestSupport

/// Three Pickets on one real PostgreSQL, each managing its own real nginx (its own prefix) from its
/// own checks, each a real `picket` process (so that one can be SIGKILLed), with a status API each.
final class FleetStack: @unchecked Sendable {
    static let token = "fleet-token-0123456789"
    let database: PostgresServer
    let nodes: [Node]

    final class Node: @unchecked Sendable {
        let name: String
        let nginx: NginxPrefix
        let statusPort = freePort()
        var configPath: String { "\(nginx.root)/picket.yaml" }
        var logPath: String { "\(nginx.root)/picket.log" }
        var process: ChildProcess?

        init(name: String) throws {
            self.name = name
            nginx = try NginxPrefix(port: freePort())
        }

        var api: StatusAPI { StatusAPI(port: statusPort) }
        var log: String { process?.log ?? "" }
        func logContains(_ text: String) -> Bool { log.contains(text) }
        func count(_ text: String) -> Int { log.components(separatedBy: text).count - 1 }
        /// Whether this node's nginx file has `address` as a server.
        func serves(_ address: String) -> Bool { nginx.output.contains("server \(address) ") }
    }

    /// `apps` is the YAML of `apps:` (and anything before it, such as `docker:`), the same for every node.
    static func with(apps: String, leaseTTL: String = "3s", _ body: (FleetStack) async throws -> Void) async throws {
        try await using(try await FleetStack(apps: apps, leaseTTL: leaseTTL), body) { await $0.shutdown() }
    }

    private init(apps: String, leaseTTL: String) async throws {
        database = try await PostgresServer()
        nodes = try ["node-a", "node-b", "node-c"].map(Node.init)
        for node in nodes {
            let yaml = node.nginx.picketSection() + """
                status: {listen: 127.0.0.1:\(node.statusPort), token: \(Self.token)}
                state: {url: "\(database.url)"}
                node: {name: \(node.name)}
                fleet: {lease_ttl: \(leaseTTL)}

                """ + apps
            try yaml.write(toFile: node.configPath, atomically: true, encoding: .utf8)
        }
    }

    /// Starts every Picket, then every nginx on the file its Picket wrote; true once every node has
    /// judged every backend and its file has each of `expected`.
    func start(expecting expected: [String]) async throws -> Bool {
        for node in nodes { try startPicket(node) }
        for node in nodes {
            guard await eventually(timeout: .seconds(10), { FileManager.default.fileExists(atPath: node.nginx.outputPath) }) else { return false }
            try await node.nginx.start()
        }
        return await eventually(timeout: .seconds(20)) {
            self.nodes.allSatisfy { node in node.logContains("first round of checks complete") && expected.allSatisfy(node.serves) }
        }
    }

    func startPicket(_ node: Node) throws {
        node.process = try ChildProcess.picket(["run", "--config", node.configPath], logPath: node.logPath)
    }

    /// The node holding the Docker engine's lease, as the database says.
    func leaseHolder() async -> Node? {
        let holder = (try? await database.sql("SELECT holder FROM picket_leases WHERE expires_at > now()")) ?? ""
        return nodes.first { $0.name == holder }
    }

    func shutdown() async {
        for node in nodes { await node.process?.stop() }
        if ProcessInfo.processInfo.environment["PICKET_TEST_PRINT_LOG"] != nil {
            for node in nodes { print("==== \(node.name)\n\(node.log)") }
        }
        for node in nodes { await node.nginx.stop() }
        await database.destroy()
    }
}
