import Foundation
import Logging
import NIOPosix
import PicketCore
import PicketNginx
import PicketRender
import PicketRuntime

/// The probe engine at scale, through the real controller: BACKENDS HTTP backends (one nginx listening
/// on that many loopback ports, logging each request's time and port) checked every second. Reports
/// CPU per check, memory, and the gap between consecutive checks of each backend as nginx saw them;
/// with the state database on, also how fast it grows.
struct ProbeBench {
    let backends: Int
    let seconds: Int
    /// Run with the state database (checks, events and backend state written in batches).
    let persistence: Bool
    let basePort = 20_000
    let warmup = 3
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-probes-\(getpid())").path

    func run() async throws {
        try FileManager.default.createDirectory(atPath: "\(root)/conf/picket", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/logs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nginx = NginxBinary.path
        let ports = (0..<backends).map { basePort + $0 }
        let listens = ports.map { "        listen 127.0.0.1:\($0);" }.joined(separator: "\n")
        try """
            worker_processes 1;
            worker_rlimit_nofile 65536;
            pid logs/nginx.pid;
            error_log logs/error.log warn;
            events { worker_connections 16384; }
            http {
                log_format bench '$msec $server_port';
                access_log logs/access.log bench buffer=256k flush=1s;
                include picket/upstreams.conf;
                server {
            \(listens)
                    location / { return 200 "ok\\n"; }
                }
            }
            """.write(toFile: "\(root)/conf/nginx.conf", atomically: true, encoding: .utf8)
        let config = """
            nginx:
              main_config: \(root)/conf/nginx.conf
              output: \(root)/conf/picket/upstreams.conf
              test_command: [\(nginx), -p, \(root), -q, -t, -c, "{config}"]
              pid_file: \(root)/logs/nginx.pid
            status: {enabled: false}
            state: {enabled: \(persistence), path: \(root)/state.db}
            apps:
              - name: bench
                health_check: {path: /health, interval: 1s, timeout: 500ms}
                instances: [\(ports.map { "127.0.0.1:\($0)" }.joined(separator: ", "))]
            """
        try config.write(toFile: "\(root)/picket.yaml", atomically: true, encoding: .utf8)
        let setup = try RuntimeSetup.load(path: "\(root)/picket.yaml")
        try setup.renderer.render(.assumingHealthy(setup.configuration.apps)).write(toFile: setup.configuration.nginx.output, atomically: true, encoding: .utf8)
        let started = await CommandRunner.run([nginx, "-p", root, "-c", "conf/nginx.conf"], timeout: .seconds(30))
        guard started.succeeded else { throw BenchError("nginx did not start: \(started.summary)") }
        defer { Task { _ = await CommandRunner.run([nginx, "-p", root, "-c", "conf/nginx.conf", "-s", "stop"], timeout: .seconds(10)) } }

        let logger = Logger(label: "picket") { PicketLogHandler(label: $0, format: .text, level: .warning) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let controller = Controller(setup: setup, configPath: "\(root)/picket.yaml", logger: logger, group: group, seed: 1)
        print("probes: \(backends) HTTP backends at 1 s interval, state database \(persistence ? "on" : "off"), \(warmup) s warm-up then \(seconds) s measured...")
        let task = Task { try await controller.run() }
        try await Task.sleep(for: .seconds(warmup))
        let windowStart = Date().timeIntervalSince1970
        let databaseStart = databaseBytes()
        let cpuStart = Resources.cpuTimes()
        try await Task.sleep(for: .seconds(seconds))
        let cpuEnd = Resources.cpuTimes()
        let cpu = (user: cpuEnd.user - cpuStart.user, system: cpuEnd.system - cpuStart.system)
        let windowEnd = Date().timeIntervalSince1970
        let memory = Resources.memory()
        if persistence {
            let grown = Double(databaseBytes() - databaseStart)
            let perDay = grown / (windowEnd - windowStart) * 86_400
            print("state database: grew \(format(grown / 1_048_576)) MiB in \(seconds) s, about \(format(perDay / 1_073_741_824)) GiB for a day of raw check history")
        }
        task.cancel()
        _ = await task.result
        try await group.shutdownGracefully()
        _ = await CommandRunner.run([nginx, "-p", root, "-c", "conf/nginx.conf", "-s", "stop"], timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(500))
        try report(log: "\(root)/logs/access.log", window: windowStart...windowEnd, cpu: cpu, memory: memory)
    }

    /// The database's size on disk with its WAL.
    private func databaseBytes() -> Int {
        ["state.db", "state.db-wal"].reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: "\(root)/\(name)")[.size] as? Int) ?? 0)
        }
    }

    private func report(log: String, window: ClosedRange<Double>, cpu split: (user: Duration, system: Duration), memory: (rss: Double, peak: Double)) throws {
        let cpu = split.user + split.system
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var arrivals: [Int: [Double]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let time = Double(fields[0]), let port = Int(fields[1]) else { continue }
            arrivals[port, default: []].append(time)
        }
        var gaps: [Double] = []
        var checks = 0
        for times in arrivals.values {
            let sorted = times.sorted()
            checks += sorted.filter { window.contains($0) }.count
            for (previous, next) in zip(sorted, sorted.dropFirst()) where window.contains(next) && window.contains(previous) {
                gaps.append(next - previous)
            }
        }
        gaps.sort()
        let perCheck = Double(cpu.nanoseconds) / 1000 / Double(max(checks, 1))
        let duration = window.upperBound - window.lowerBound
        print("  checks          \(checks) in \(format(duration)) s = \(format(Double(checks) / duration, 0))/s (\(arrivals.count) of \(backends) backends seen)")
        let userPerCheck = Double(split.user.nanoseconds) / 1000 / Double(max(checks, 1))
        print("  CPU             \(format(Double(cpu.nanoseconds) / 1e9, 2)) s = \(format(perCheck)) µs per check (user \(format(userPerCheck)) µs, system \(format(perCheck - userPerCheck)) µs; \(format(Double(cpu.nanoseconds) / 1e9 / duration * 100)) % of one core)")
        print("  memory          RSS \(format(memory.rss)) MiB, peak \(format(memory.peak)) MiB")
        print("  check gap       p50 \(format(percentile(gaps, 0.5), 3)) s   p99 \(format(percentile(gaps, 0.99), 3)) s   max \(format(gaps.last ?? 0, 3)) s")
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
