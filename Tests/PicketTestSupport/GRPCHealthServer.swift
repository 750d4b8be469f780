import Foundation

/// A real gRPC server on loopback with the health service (scripts/grpc_health_server.py on Debian's
/// python3-grpcio), whose statuses a test switches by rewriting a JSON file.
public final class GRPCHealthServer: @unchecked Sendable {
    public let port: Int
    private let statusFile: String
    private let process: ChildProcess

    public var address: String { "127.0.0.1:\(port)" }

    /// `statuses`: service name ("" is the whole server) to `SERVING`, `NOT_SERVING`, `UNKNOWN`…;
    /// `health: false` serves no health service at all; `tls`: certificate and key files.
    public init(name: String = "grpc", statuses: [String: String] = ["": "SERVING"], health: Bool = true, tls: (certificate: String, key: String)? = nil)
        async throws
    {
        port = freePort()
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("picket-grpc-\(UUID().uuidString.prefix(8))").path
        statusFile = "\(stem).json"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/grpc_health_server.py").path
        var argv = ["/usr/bin/python3", script, "\(port)", name, statusFile]
        if !health { argv.append("--no-health") }
        if let tls { argv += ["--tls", tls.certificate, tls.key] }
        try Self.write(statuses, to: statusFile)
        process = try ChildProcess(argv, logPath: "\(stem).log")
        let process = process
        guard await eventually(timeout: .seconds(15), { process.logContains("ready") }) else {
            _ = await process.stop()
            throw NotReady(log: process.log)
        }
    }

    public func set(_ statuses: [String: String]) throws {
        try Self.write(statuses, to: statusFile)
    }

    /// SIGKILL: grpcio's server takes SIGTERM only after its grace period.
    public func stop() async {
        process.kill()
        try? FileManager.default.removeItem(atPath: statusFile)
    }

    private static func write(_ statuses: [String: String], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: statuses)
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        _ = rename(temporary, path)
    }

    public struct NotReady: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "the gRPC test server did not start: \(log)" }
    }
}
