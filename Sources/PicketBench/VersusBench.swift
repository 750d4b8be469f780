import Foundation
import PicketNginx

/// Picket against HAProxy in one run: one nginx on BACKENDS loopback addresses, then HAProxy checking
/// every one (`option httpchk GET /health`, `inter 1s`, 500 ms timeouts), then the release `picket run` with
/// the same checks and its defaults otherwise (status server and state database on). Each runs as a
/// process of its own, measured the same way from /proc for the same time after the same warm-up;
/// checks and gaps come from nginx's log. The machine is shared and noisy: the ratios are the result.
struct VersusBench {
    let backends: Int
    let seconds: Int
    /// `health_check.reuse_connection: true` for Picket (HAProxy 2.6 has no reuse for checks).
    let reuse: Bool
    /// What the backends speak: `https` compares Picket's `type: https` with HAProxy's `check-ssl`, both
    /// without certificate verification (one self-signed certificate for every address); `grpc` runs
    /// Picket's `type: grpc` alone (HAProxy has no gRPC health check).
    let wire: BenchNginx.Wire
    /// HAProxy's `nbthread`; nil leaves HAProxy's default (one thread per CPU).
    let haproxyThreads: Int?
    /// Each contender is measured in this many alternating rounds of `seconds / rounds`.
    let rounds: Int
    /// Off: Picket alone.
    let withHAProxy: Bool
    /// Picket's `health_check.jitter`; nil keeps its default (0.02). HAProxy spreads nothing
    /// (`spread-checks 0`), so 0 compares like with like.
    var jitter: Double? = nil
    /// Picket's `probes.max_concurrent`; nil keeps its default (512). Beyond ~10,000 backends on this
    /// machine nginx answers slowly enough that 512 checks at once no longer cover a second's checks.
    var maxConcurrent: Int? = nil
    /// Picket's `health_check.max_checks_per_connection` with reuse; nil keeps its default (10).
    var maxChecksPerConnection: Int? = nil
    /// Seconds before measuring: the first round is spread over the interval, and adding thousands of
    /// backends takes Picket a moment (longer at 20,000).
    var warmup: Int { max(5, backends / 2000) }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-versus-\(getpid())").path

    var addresses: [String] { BenchNginx.addresses(count: backends) }

    func run() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        var nginx = BenchNginx(root: root, addresses: addresses)
        let output = "\(root)/conf/picket/upstreams.conf"
        try FileManager.default.createDirectory(atPath: "\(root)/conf/picket", withIntermediateDirectories: true)
        nginx.wire = wire == .https(certificate: nil) ? .https(certificate: try await makeCertificate()) : wire
        try "".write(toFile: output, atomically: true, encoding: .utf8)
        try await nginx.start(include: output)
        let slice = seconds / rounds
        print("versus: \(backends) \(wire.name) backends at 1 s interval; each measured \(rounds) × \(slice) s (alternating, \(warmup) s warm-up each); load average \(loadAverage())")
        var haproxy: [Run] = [], picket: [Run] = []
        do {
            for round in 0..<rounds {
                // HAProxy first, then Picket, then the other way round: a load that drifts over the run
                // weighs on both alike.
                for name in (round % 2 == 0 ? ["haproxy", "picket"] : ["picket", "haproxy"]) where (withHAProxy && wire != .grpc) || name == "picket" {
                    if name == "haproxy" {
                        haproxy.append(try await measure(name, seconds: slice, launch: try launchHAProxy()))
                    } else {
                        picket.append(try await measure(name, seconds: slice, launch: try launchPicket(nginx: nginx, output: output)))
                    }
                }
            }
        } catch {
            await nginx.stop()
            throw error
        }
        await nginx.stop()
        try await Task.sleep(for: .milliseconds(500))
        let log = try nginx.arrivals()
        let rows = [haproxy, picket].filter { !$0.isEmpty }.map(Run.init(combining:)).map { Row(run: $0, stats: log.stats(in: $0.windows)) }
        print(Row.table(rows, backends: backends))
        let warnings = (try? String(contentsOfFile: "\(root)/picket.log", encoding: .utf8))?.split(separator: "\n").filter { $0.contains("probe_lag") || $0.contains("is behind") } ?? []
        print("picket lag warnings: \(warnings.count)\(warnings.last.map { " (last: \($0))" } ?? "")")
    }

    /// The machine's 1-minute load average, from /proc/loadavg: how shared the run was.
    private func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
    }

    private func launchHAProxy() throws -> Process {
        let servers = addresses.enumerated().map { "    server s\($0) \($1)" }.joined(separator: "\n")
        try """
            global
                \(haproxyThreads.map { "nbthread \($0)" } ?? "")
                maxconn 1024
                # HAProxy keeps a descriptor per server for its check; the hard limit here is 20,000.
                fd-hard-limit 20000
            defaults
                mode http
                timeout connect 500ms
                timeout check 500ms
                timeout client 5s
                timeout server 5s
            frontend unused
                bind 127.0.0.1:\(freeLoopbackPort())
                default_backend bench
            backend bench
                option httpchk GET /health
                default-server check inter 1s fall 3 rise 1\(wire == .http ? "" : " check-ssl verify none")
            \(servers)

            """.write(toFile: "\(root)/haproxy.cfg", atomically: true, encoding: .utf8)
        let haproxy = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let haproxy else { throw BenchError("haproxy is not installed (apt-get install haproxy)") }
        return try spawn(haproxy, ["-db", "-f", "\(root)/haproxy.cfg"], log: "\(root)/haproxy.log")
    }

    private func launchPicket(nginx: BenchNginx, output: String) throws -> Process {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("picket").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw BenchError("\(binary) is missing: swift build -c release") }
        try """
            nginx:
              main_config: \(root)/conf/nginx.conf
              output: \(output)
              test_command: [\(nginx.binary), -p, \(root), -q, -t, -c, "{config}"]
              pid_file: \(root)/logs/nginx.pid
            status: {listen: "127.0.0.1:\(freeLoopbackPort())"}\(maxConcurrent.map { "\nprobes: {max_concurrent: \($0)}" } ?? "")
            state: {path: \(root)/state.db}
            apps:
              - name: bench
                health_check: {\(picketCheck), interval: 1s, timeout: 500ms\(reuse ? ", reuse_connection: true" : "")\(reuse ? maxChecksPerConnection.map { ", max_checks_per_connection: \($0)" } ?? "" : "")\(jitter.map { ", jitter: \($0)" } ?? "")}
                instances: [\(addresses.joined(separator: ", "))]
            """.write(toFile: "\(root)/picket.yaml", atomically: true, encoding: .utf8)
        return try spawn(binary, ["run", "-c", "\(root)/picket.yaml", "--log-level", "warning"], log: "\(root)/picket.log")
    }

    private var picketCheck: String {
        switch wire {
        case .http: return "path: /health"
        case .https: return "type: https, path: /health, tls: {verify: false}"
        case .grpc: return "type: grpc"
        }
    }

    /// A self-signed certificate for the backends, made with the openssl CLI.
    private func makeCertificate() async throws -> BenchNginx.Certificate {
        let file = "\(root)/backend.pem", key = "\(root)/backend-key.pem"
        let made = await CommandRunner.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", file,
            "-days", "2", "-subj", "/CN=picket-bench",
        ], timeout: .seconds(20))
        guard made.succeeded else { throw BenchError("openssl: \(made.summary.prefix(500))") }
        return BenchNginx.Certificate(file: file, key: key)
    }

    private func spawn(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Warms up, measures `seconds`, then stops the process (SIGTERM) and waits for it.
    private func measure(_ name: String, seconds: Int, launch process: Process) async throws -> Run {
        let usage = ProcessUsage(pid: process.processIdentifier)
        try await Task.sleep(for: .seconds(warmup))
        guard process.isRunning else {
            let log = (try? String(contentsOfFile: "\(root)/\(name).log", encoding: .utf8)) ?? ""
            throw BenchError("\(name) exited during warm-up (status \(process.terminationStatus)): \(log.prefix(2000))")
        }
        let start = Date().timeIntervalSince1970
        let timeWaitBefore = timeWaitSockets(onNetwork: (127, 77))
        let cpuStart = usage.cpuTimes()
        try await Task.sleep(for: .seconds(seconds))
        let cpu = usage.cpuTimes() - cpuStart
        let end = Date().timeIntervalSince1970
        let memory = usage.memory()
        // Only sockets that went into TIME_WAIT during the window: the other side's linger for 60 s.
        let timeWait = timeWaitSockets(onNetwork: (127, 77)).subtracting(timeWaitBefore).count
        process.terminate()
        process.waitUntilExit()
        try await Task.sleep(for: .seconds(1))
        return Run(name: name, windows: [start...end], cpu: cpu, rss: memory.rss, peak: memory.peak, timeWait: timeWait)
    }

    struct Run {
        let name: String
        let windows: [ClosedRange<Double>]
        let cpu: CPUTimes
        let rss: Double
        let peak: Double
        let timeWait: Int

        init(name: String, windows: [ClosedRange<Double>], cpu: CPUTimes, rss: Double, peak: Double, timeWait: Int) {
            self.name = name
            self.windows = windows
            self.cpu = cpu
            self.rss = rss
            self.peak = peak
            self.timeWait = timeWait
        }

        /// The rounds of one contender as one run: CPU and windows added up, the largest memory and
        /// TIME_WAIT count.
        init(combining rounds: [Run]) {
            self.init(
                name: rounds[0].name, windows: rounds.flatMap(\.windows),
                cpu: rounds.dropFirst().reduce(rounds[0].cpu) { CPUTimes(user: $0.user + $1.cpu.user, system: $0.system + $1.cpu.system) },
                rss: rounds.map(\.rss).max()!, peak: rounds.map(\.peak).max()!, timeWait: rounds.map(\.timeWait).max()!)
        }
    }

    struct Row {
        let run: Run
        let stats: CheckStats

        var perCheck: Double { microsecondsPerCheck(run.cpu.total) }
        var userPerCheck: Double { microsecondsPerCheck(run.cpu.user) }
        var coreShare: Double { Double(run.cpu.total.nanoseconds) / 1e9 / stats.seconds * 100 }

        private func microsecondsPerCheck(_ time: Duration) -> Double { Double(time.nanoseconds) / 1000 / Double(max(stats.checks, 1)) }

        static func table(_ rows: [Row], backends: Int) -> String {
            var lines = ["| \(backends) backends | CPU per check | user / system | share of a core | RSS (peak) | checks/s | gap p50 | gap p99 | gap max | new TIME_WAIT |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for row in rows {
                lines.append("| \(row.run.name) | \(format(row.perCheck)) µs | \(format(row.userPerCheck)) / \(format(row.perCheck - row.userPerCheck)) µs | \(format(row.coreShare)) % | \(format(row.run.rss)) MiB (\(format(row.run.peak))) "
                    + "| \(format(row.stats.perSecond, 0)) | \(format(row.stats.p50, 3)) s | \(format(row.stats.p99, 3)) s | \(format(row.stats.max, 3)) s | \(row.run.timeWait) |")
            }
            if rows.count == 2 {
                let (base, other) = (rows[0], rows[1])
                lines.append("| \(other.run.name) / \(base.run.name) | \(format(other.perCheck / base.perCheck, 2))× | | | \(format(other.run.rss / base.run.rss, 2))× | "
                    + "\(format(other.stats.perSecond / base.stats.perSecond, 2))× | | \(format(other.stats.p99 / base.stats.p99, 3))× | | |")
            }
            return lines.joined(separator: "\n")
        }
    }
}
