import Foundation
import PicketNginx

/// One nginx in a prefix directory listening on many loopback ports, answering `200 ok` to everything
/// and logging each request's time and port (what the backends saw of the checks).
struct BenchNginx {
    let root: String
    let ports: [Int]

    var binary: String { NginxBinary.path }
    var accessLog: String { "\(root)/logs/access.log" }

    /// Writes nginx.conf (including `include`, when given, inside `http {}`) and starts nginx.
    func start(include: String? = nil) async throws {
        try FileManager.default.createDirectory(atPath: "\(root)/conf/picket", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/logs", withIntermediateDirectories: true)
        let listens = ports.map { "        listen 127.0.0.1:\($0);" }.joined(separator: "\n")
        // Every listening socket takes one of nginx's connection slots.
        try """
            worker_processes 1;
            worker_rlimit_nofile \(2 * ports.count + 16_384);
            pid logs/nginx.pid;
            error_log logs/error.log warn;
            events { worker_connections \(ports.count + 8_192); }
            http {
                log_format bench '$msec $server_port';
                access_log logs/access.log bench buffer=256k flush=1s;
                \(include.map { "include \($0);" } ?? "")
                server {
            \(listens)
                    location / { return 200 "ok\\n"; }
                }
            }
            """.write(toFile: "\(root)/conf/nginx.conf", atomically: true, encoding: .utf8)
        let started = await CommandRunner.run([binary, "-p", root, "-c", "conf/nginx.conf"], timeout: .seconds(30))
        guard started.succeeded else { throw BenchError("nginx did not start: \(started.summary.prefix(500))") }
    }

    func stop() async {
        _ = await CommandRunner.run([binary, "-p", root, "-c", "conf/nginx.conf", "-s", "stop"], timeout: .seconds(10))
    }

    /// The checks nginx logged, per port (nginx flushes its log buffer every second and on stop).
    func arrivals() throws -> CheckLog {
        try CheckLog(path: accessLog)
    }
}

/// The requests nginx logged, as arrival times per port.
struct CheckLog {
    private var arrivals: [Int: [Double]] = [:]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let time = Double(fields[0]), let port = Int(fields[1]) else { continue }
            arrivals[port, default: []].append(time)
        }
        for port in arrivals.keys { arrivals[port]!.sort() }
    }

    /// Checks that arrived within `windows` and the gaps between consecutive checks of each port, both
    /// ends within the same window.
    func stats(in windows: [ClosedRange<Double>]) -> CheckStats {
        var gaps: [Double] = []
        var checks = 0
        var seen: Set<Int> = []
        for window in windows {
            for (port, times) in arrivals {
                let inside = times.filter { window.contains($0) }
                checks += inside.count
                if !inside.isEmpty { seen.insert(port) }
                for (previous, next) in zip(inside, inside.dropFirst()) { gaps.append(next - previous) }
            }
        }
        gaps.sort()
        let seconds = windows.reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        return CheckStats(checks: checks, ports: seen.count, seconds: seconds, gaps: gaps)
    }
}

/// Checks counted in a window and the gaps between them.
struct CheckStats {
    let checks: Int
    let ports: Int
    let seconds: Double
    let gaps: [Double]

    var perSecond: Double { Double(checks) / seconds }
    var p50: Double { percentile(gaps, 0.5) }
    var p99: Double { percentile(gaps, 0.99) }
    var max: Double { gaps.last ?? 0 }
}
