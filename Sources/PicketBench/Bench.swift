import Foundation

/// `picket-bench`: prints the figures BENCHMARKS.md records. Not a test: it measures and reports.
///   picket-bench probes [BACKENDS] [SECONDS] [state]   probe engine at 1 s interval against one nginx on many
///                                                      ports; `state` turns the state database on
///   picket-bench versus [BACKENDS] [SECONDS] [reuse|https|grpc]  HAProxy and the release `picket` in alternating
///                                                      rounds, checking the same nginx backends; CPU per
///                                                      check, RSS, gaps and the ratios (HAPROXY_THREADS,
///                                                      VERSUS_ROUNDS, PICKET_JITTER, PICKET_MAX_CONCURRENT,
///                                                      PICKET_MAX_CHECKS_PER_CONNECTION;
///                                                      scripts/bench-vs-haproxy.sh drives it)
///   picket-bench history [BACKENDS] [HOURS]   a synthetic day of check history in a real state database:
///                                                      its size, the writer's CPU, a 24 h report's time
///   picket-bench core [BACKENDS] [SECONDS]   the decision core alone on a simulated clock: its CPU per check
///   picket-bench apply [UPSTREAMS] [SERVERS]   render + atomic swap time for a large upstream file
///   picket-bench applyset [APPS] [SERVERS]    one change applied whole (nginx -t included) with one http
///                                                      file, http + stream files, one file per app
@main
enum Bench {
    static func main() async {
        do {
            try await run()
        } catch {
            print("picket-bench: \(error)")
            exit(1)
        }
    }

    static func run() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "probes":
            let backends = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            let seconds = arguments.count > 2 ? Int(arguments[2]) ?? 60 : 60
            try await ProbeBench(backends: backends, seconds: seconds, persistence: arguments.dropFirst(3).first == "state").run()
        case "versus":
            let backends = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            let seconds = arguments.count > 2 ? Int(arguments[2]) ?? 60 : 60
            let environment = ProcessInfo.processInfo.environment
            let threads = environment["HAPROXY_THREADS"].flatMap { Int($0) }
            let rounds = environment["VERSUS_ROUNDS"].flatMap { Int($0) } ?? 2
            // HAPROXY=off measures Picket alone (HAProxy keeps a descriptor per server and cannot check
            // 20,000 servers under this machine's 20,000-descriptor limit).
            try await VersusBench(
                backends: backends, seconds: seconds, reuse: arguments.dropFirst(3).first == "reuse",
                wire: ["https": .https(certificate: nil), "grpc": .grpc][arguments.dropFirst(3).first ?? ""] ?? .http,
                haproxyThreads: threads, rounds: max(1, rounds),
                withHAProxy: environment["HAPROXY"] != "off", jitter: environment["PICKET_JITTER"].flatMap(Double.init),
                maxConcurrent: environment["PICKET_MAX_CONCURRENT"].flatMap { Int($0) },
                maxChecksPerConnection: environment["PICKET_MAX_CHECKS_PER_CONNECTION"].flatMap { Int($0) }
            ).run()
        case "history":
            let backends = arguments.count > 1 ? Int(arguments[1]) ?? 5000 : 5000
            let hours = arguments.count > 2 ? Int(arguments[2]) ?? 24 : 24
            try await HistoryBench(backends: backends, hours: hours).run()
        case "core":
            let backends = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            let seconds = arguments.count > 2 ? Int(arguments[2]) ?? 60 : 60
            try CoreBench(backends: backends, seconds: seconds).run()
        case "apply":
            let upstreams = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
            let servers = arguments.count > 2 ? Int(arguments[2]) ?? 10 : 10
            try ApplyBench(upstreams: upstreams, servers: servers).run()
        case "applyset":
            let apps = arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200
            let servers = arguments.count > 2 ? Int(arguments[2]) ?? 4 : 4
            try await OutputSetBench(apps: apps, servers: servers).run()
        default:
            print("usage: picket-bench probes [BACKENDS] [SECONDS] [state] | versus [BACKENDS] [SECONDS] [reuse|https|grpc] | history [BACKENDS] [HOURS] | core [BACKENDS] [SECONDS] | apply [UPSTREAMS] [SERVERS_PER_UPSTREAM] | applyset [APPS] [SERVERS_PER_APP]")
        }
    }
}

/// Process-wide resource readings.
enum Resources {
    /// User + system CPU time of this process.
    static func cpuTime() -> Duration {
        let (user, system) = cpuTimes()
        return user + system
    }

    /// User and system CPU time of this process, apart.
    static func cpuTimes() -> (user: Duration, system: Duration) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
        let system = Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
        return (.microseconds(user), .microseconds(system))
    }

    /// Resident and peak resident memory in MiB, from /proc/self/status.
    static func memory() -> (rss: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}
