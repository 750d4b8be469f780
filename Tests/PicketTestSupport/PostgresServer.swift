import Foundation
import PicketNginx

/// A real PostgreSQL (Debian's, `scripts/install-deps.sh` installs it) in a temporary directory on
/// 127.0.0.1, made by the test itself with initdb and pg_ctl, run as the unprivileged `postgres`
/// user when the tests run as root. Password authentication over TCP (scram-sha-256), as a fleet
/// would use; `stop()` and `start()` simulate an outage. With `tls`, the server also speaks TLS with a
/// self-signed certificate for 127.0.0.1 made by openssl.
public final class PostgresServer: @unchecked Sendable {
    public static let user = "picket"
    public static let password = "fleet-secret-1"
    public let port: Int
    public let directory: String
    private let bin: String
    private let tls: Bool

    /// The server's binaries, the newest installed major version.
    public static var binDirectory: String? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "/usr/lib/postgresql/\($0)/bin" }
    }

    /// Whether PostgreSQL is installed; on CI (`CI` set) a missing one fails instead of skipping.
    public static let available = binDirectory != nil || ProcessInfo.processInfo.environment["CI"] != nil

    /// `postgres://picket:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable`.
    public var url: String { "postgres://\(Self.user):\(Self.password)@127.0.0.1:\(port)/postgres?sslmode=disable" }

    public init(tls: Bool = false) async throws {
        guard let bin = Self.binDirectory else { throw Failure(description: "PostgreSQL is not installed (apt-get install postgresql)") }
        self.bin = bin
        self.tls = tls
        port = freePort()
        directory = NSTemporaryDirectory() + "picket-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.password.write(toFile: "\(directory)/pwfile", atomically: true, encoding: .utf8)
        if tls {
            try await run([
                "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(directory)/server.key", "-out", "\(directory)/server.crt",
            ], asRoot: true)
            chmod("\(directory)/server.key", 0o600)
        }
        if getuid() == 0 { try await run(["/bin/chown", "-R", "postgres:postgres", directory], asRoot: true) }
        try await run([
            "\(bin)/initdb", "-D", "\(directory)/data", "-U", Self.user, "--pwfile", "\(directory)/pwfile", "--auth-local", "trust",
            "--auth-host", "scram-sha-256", "--no-sync", "-E", "UTF8",
        ])
        try await start()
    }

    /// Starts the server (again) and waits until it accepts connections.
    public func start() async throws {
        var options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        if tls { options += " -c ssl=on -c ssl_cert_file=\(directory)/server.crt -c ssl_key_file=\(directory)/server.key" }
        try await run(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-o", options, "-w", "-t", "30", "start"])
    }

    /// Stops the server at once (`-m immediate`: as a crash or a power cut would).
    public func stop() async throws {
        try await run(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    @discardableResult
    public func sql(_ statement: String) async throws -> String {
        let result = await CommandRunner.run(
            ["/usr/bin/env", "PGPASSWORD=\(Self.password)", "\(bin)/psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, "-d", "postgres",
             "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement],
            timeout: .seconds(30))
        guard result.succeeded else { throw Failure(description: "psql -c \(statement): \(result.summary)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server and removes its directory.
    public func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The URL with another sslmode.
    public func url(sslMode: String) -> String {
        url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=\(sslMode)")
    }

    private func run(_ argv: [String], asRoot: Bool = false) async throws {
        let command = getuid() == 0 && !asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv : argv
        let result = await CommandRunner.run(command, timeout: .seconds(60))
        guard result.succeeded else { throw Failure(description: "\(argv.joined(separator: " ")): \(result.summary)") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }
}
