import Foundation
import Logging
import NIOPosix
import PicketCore
import PicketNginx
import PicketRender
import PicketRuntime

/// The probe engine at scale, through the real controller: BACKENDS HTTP backends (one nginx listening
/// on that many loopback addresses, logging each request's time and address) checked every second. Reports
/// CPU per check, memory, and the gap between consecutive checks of each backend as nginx saw them;
/// with the state database on, also how fast it grows.
struct ProbeBench {
    let backends: Int
    let seconds: Int
    /// Run with the state database (checks, events and backend state written in batches).
    let persistence: Bool
    let warmup = 3
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-probes-\(getpid())").path

    func run() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nginx = BenchNginx(root: root, addresses: BenchNginx.addresses(count: backends))
        let config = """
            nginx:
              main_config: \(root)/conf/nginx.conf
              output: \(root)/conf/picket/upstreams.conf
              test_command: [\(nginx.binary), -p, \(root), -q, -t, -c, "{config}"]
              pid_file: \(root)/logs/nginx.pid
            status: {enabled: false}
            state: {enabled: \(persistence), path: \(root)/state.db}
            apps:
              - name: bench
                health_check: {path: /health, interval: 1s, timeout: 500ms}
                instances: [\(nginx.addresses.joined(separator: ", "))]
            """
        try FileManager.default.createDirectory(atPath: "\(root)/conf/picket", withIntermediateDirectories: true)
        try config.write(toFile: "\(root)/picket.yaml", atomically: true, encoding: .utf8)
        let setup = try RuntimeSetup.load(path: "\(root)/picket.yaml", checkNginx: false)
        for file in setup.renderer.render(.assumingHealthy(setup.configuration.apps)).files {
            try file.text.write(toFile: file.path, atomically: true, encoding: .utf8)
        }
        try await nginx.start(include: setup.configuration.nginx.output)
        defer { Task { await nginx.stop() } }

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
        await nginx.stop()
        try await Task.sleep(for: .milliseconds(500))
        try report(nginx.arrivals().stats(in: [windowStart...windowEnd]), cpu: cpu, memory: memory)
    }

    /// The database's size on disk with its WAL.
    private func databaseBytes() -> Int {
        ["state.db", "state.db-wal"].reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: "\(root)/\(name)")[.size] as? Int) ?? 0)
        }
    }

    private func report(_ stats: CheckStats, cpu split: (user: Duration, system: Duration), memory: (rss: Double, peak: Double)) {
        let cpu = split.user + split.system
        let checks = max(stats.checks, 1)
        let perCheck = Double(cpu.nanoseconds) / 1000 / Double(checks)
        print("  checks          \(stats.checks) in \(format(stats.seconds)) s = \(format(stats.perSecond, 0))/s (\(stats.backends) of \(backends) backends seen)")
        let userPerCheck = Double(split.user.nanoseconds) / 1000 / Double(checks)
        print("  CPU             \(format(Double(cpu.nanoseconds) / 1e9, 2)) s = \(format(perCheck)) µs per check (user \(format(userPerCheck)) µs, system \(format(perCheck - userPerCheck)) µs; \(format(Double(cpu.nanoseconds) / 1e9 / stats.seconds * 100)) % of one core)")
        print("  memory          RSS \(format(memory.rss)) MiB, peak \(format(memory.peak)) MiB")
        print("  check gap       p50 \(format(stats.p50, 3)) s   p99 \(format(stats.p99, 3)) s   max \(format(stats.max, 3)) s")
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
