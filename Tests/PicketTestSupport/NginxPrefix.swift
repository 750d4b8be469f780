import Foundation
import PicketNginx

/// A real nginx running in a temporary prefix directory on a loopback port, as in production but
/// without root paths. Tests read its error log to count reloads.
public final class NginxPrefix: @unchecked Sendable {
    public let root: String
    public let port: Int
    public var confPath: String { "\(root)/conf/nginx.conf" }
    public var outputPath: String { "\(root)/conf/picket/upstreams.conf" }
    public var pidPath: String { "\(root)/logs/nginx.pid" }
    public var streamOutputPath: String { "\(root)/conf/picket/stream.conf" }
    /// The loopback port of the `stream {}` server that relays TCP to the `stream` upstream, if any.
    public let streamPort: Int?

    public static var binary: String { NginxBinary.path }

    /// `passiveSocket` adds nginx/passive.conf's access log, sending to that unix socket; `nextUpstream`
    /// is the `proxy_next_upstream` line's value and `readTimeout` the `proxy_read_timeout`'s. `stream`
    /// adds a `stream {}` block that includes `streamOutputPath` and relays a loopback port to that
    /// upstream (the stream module loaded as nginx/stream-module.sh says).
    ///
    /// `lua` loads Debian's Lua module and includes the repository's nginx/lua-sync.conf, serving the
    /// sync endpoint on `luaSocketPath` with the secret in `luaSecretPath` (nginx.mode: lua); `workers`
    /// is worker_processes.
    public init(
        port: Int, upstream: String = "web", passiveSocket: String? = nil, nextUpstream: String = "off", readTimeout: String = "3s",
        stream: (upstream: String, port: Int)? = nil, lua: Bool = false, workers: Int = 1
    ) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-nginx-\(UUID().uuidString.prefix(8))").path
        self.port = port
        streamPort = stream?.port
        try FileManager.default.createDirectory(atPath: "\(root)/conf/picket", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/logs", withIntermediateDirectories: true)
        let streamBlock = try stream.map { stream in
            (try Self.streamModuleLine()) + """
            stream {
                include picket/stream.conf;
                proxy_connect_timeout 1s;
                server {
                    listen 127.0.0.1:\(stream.port);
                    proxy_pass \(stream.upstream);
                }
            }
            """
        } ?? ""
        var luaLines = ""
        if lua {
            try Self.luaSecret.write(toFile: luaSecretPath, atomically: true, encoding: .utf8)
            luaLines = try Self.luaModuleLines()
        }
        let conf = """
            \(streamBlock)
            \(luaLines)
            worker_processes \(workers);
            pid logs/nginx.pid;
            error_log logs/error.log notice;
            events { worker_connections 256; }
            http {
                \(passiveSocket == nil ? "access_log off;" : "")
                include picket/upstreams.conf;
                proxy_connect_timeout 1s;
                proxy_read_timeout \(readTimeout);
                proxy_next_upstream \(nextUpstream);
            \(passiveSocket.map { Self.passiveSnippet(socket: $0) } ?? "")
            \(lua ? luaSnippet : "")
                server {
                    listen 127.0.0.1:\(port);
                    location / { proxy_pass http://\(upstream); }
                }
            }
            """
        try conf.write(toFile: confPath, atomically: true, encoding: .utf8)
    }

    /// The `load_module` line this nginx needs for `stream {}` (empty when it is built in), from the
    /// repository's nginx/stream-module.sh, which the demo's run-nginx.sh uses too. Found once per
    /// process: Foundation's `Process.run` once crashed in memcpy with many tests spawning at once.
    public static func streamModuleLine() throws -> String {
        try streamModule.get()
    }

    private static let streamModule = Result<String, any Error> { try moduleLines("nginx/stream-module.sh", module: "stream") }

    /// What one of the repository's module scripts prints for this nginx.
    private static func moduleLines(_ script: String, module: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repository.appendingPathComponent(script).path, binary]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw NginxFailed(argv: [script], output: "no \(module) module for \(binary)") }
        return String(decoding: output, as: UTF8.self)
    }

    /// The checkout the tests run from (its scripts, examples and nginx snippets).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Replaces nginx.conf with one whose `http {}` block holds `http`: for servers the default layout
    /// lacks (TLS, HTTP/2 with grpc_pass).
    public func writeConfig(http: String) throws {
        try """
            worker_processes 1;
            pid logs/nginx.pid;
            error_log logs/error.log notice;
            events { worker_connections 256; }
            http {
                access_log off;
            \(http)
            }
            """.write(toFile: confPath, atomically: true, encoding: .utf8)
    }

    /// The unix socket of the Lua sync endpoint, and the shared secret's file (nginx.mode: lua).
    public var luaSocketPath: String { "\(root)/lua.sock" }
    public var luaSecretPath: String { "\(root)/lua.secret" }
    public static let luaSecret = "picket-test-secret-0123456789abcdef\n"

    /// The repository's nginx/lua-sync.conf, with this prefix's socket and secret and the repository's
    /// Lua module.
    var luaSnippet: String {
        let snippet = (try? String(contentsOf: Self.repository.appendingPathComponent("nginx/lua-sync.conf"), encoding: .utf8)) ?? ""
        return snippet.replacingOccurrences(of: "/usr/share/picket/lua", with: Self.repository.appendingPathComponent("nginx/lua").path)
            .replacingOccurrences(of: "/etc/picket/lua.secret", with: luaSecretPath)
            .replacingOccurrences(of: "/run/picket/lua.sock", with: luaSocketPath)
    }

    /// The `load_module` lines of nginx/lua-module.sh.
    static func luaModuleLines() throws -> String {
        try luaModule.get()
    }

    private static let luaModule = Result<String, any Error> { try moduleLines("nginx/lua-module.sh", module: "lua") }

    /// The master's pid and its workers' pids, from /proc: unchanged pids mean nginx was not reloaded.
    public var processes: (master: Int32, workers: Set<Int32>)? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8), let master = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return nil
        }
        var workers: Set<Int32> = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == master { workers.insert(pid) }
        }
        return (master, workers)
    }

    /// The repository's nginx/passive.conf, sending to `socket`.
    static func passiveSnippet(socket: String) -> String {
        let snippet = (try? String(contentsOf: repository.appendingPathComponent("nginx/passive.conf"), encoding: .utf8)) ?? ""
        return snippet.replacingOccurrences(of: "unix:/run/picket/passive.sock", with: "unix:\(socket)")
    }

    /// The `nginx:` section of a Picket config that manages this nginx.
    /// `more` holds further keys of `nginx:`, e.g. `["stream_template: PATH"]`.
    public func picketSection(template: String? = nil, more: [String] = []) -> String {
        """
        nginx:
          main_config: \(confPath)
          output: \(outputPath)
        \(streamPort == nil ? "" : "  stream_output: \(streamOutputPath)\n")
          test_command: [\(Self.binary), -p, \(root), -q, -t, -c, "{config}"]
          pid_file: \(pidPath)
          coalesce: {quiet: 20ms, max: 100ms}
        \(template.map { "  template: \($0)\n" } ?? "")\(more.map { "  \($0)\n" }.joined())
        """
    }

    public func start() async throws {
        try await run([Self.binary, "-p", root, "-c", "conf/nginx.conf"])
    }

    /// Stops nginx at once and keeps the prefix, to start it again: a restart, not a reload.
    public func halt() async throws {
        try await run([Self.binary, "-p", root, "-c", "conf/nginx.conf", "-s", "stop"])
    }

    /// Stops nginx and removes the prefix directory.
    public func stop() async {
        try? await run([Self.binary, "-p", root, "-c", "conf/nginx.conf", "-s", "stop"])
        try? FileManager.default.removeItem(atPath: root)
    }

    /// How many times nginx's master has been told to reload.
    public var reloadCount: Int {
        let log = (try? String(contentsOfFile: "\(root)/logs/error.log", encoding: .utf8)) ?? ""
        return log.components(separatedBy: "signal 1 (SIGHUP) received").count - 1
    }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    private func run(_ argv: [String]) async throws {
        let result = await CommandRunner.run(argv, timeout: .seconds(10))
        guard result.succeeded else { throw NginxFailed(argv: argv, output: result.summary) }
    }

    public struct NginxFailed: Error, CustomStringConvertible {
        public let argv: [String]
        public let output: String
        public var description: String { "\(argv.joined(separator: " ")): \(output)" }
    }
}

/// A free loopback TCP port below the kernel's ephemeral range (32768 and up), so that no outgoing
/// connection can take it while a test has its server stopped and wants it back.
public func freePort() -> Int {
    while true {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let bound = withLoopback(port) { bind(fd, $0, $1) }
        close(fd)
        if bound == 0 { return port }
    }
}

/// Polls `condition` until it holds or `timeout` passes (traefik's try.Do idea); returns whether it held.
public func eventually(timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Calls `body` with 127.0.0.1:`port` as a socket address and its length (for bind and connect).
public func withLoopback(_ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// Runs `body` with `resource`, then `release` whether `body` threw or not: the shape of every test
/// fixture's `with`, where the cleanup is asynchronous (nginx, Docker, Picket to stop) and `defer`
/// cannot await.
public func using<Resource>(
    _ resource: Resource, _ body: (Resource) async throws -> Void, release: (Resource) async -> Void
) async throws {
    do {
        try await body(resource)
    } catch {
        await release(resource)
        throw error
    }
    await release(resource)
}
