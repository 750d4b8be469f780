import Foundation
import PicketNginx

/// nginx in a prefix directory listening on many loopback addresses, answering `200 ok` to everything
/// and logging each request's time and address (what the backends saw of the checks). One nginx (one
/// worker) per 6,000 backends: each listening socket is a descriptor, and the hard limit here is 20,000.
/// The first serves from `root` itself (its nginx.conf includes Picket's output); others from
/// `root/shard-N`.
struct BenchNginx {
    static let backendsPerShard = 6000

    let root: String
    /// `host:port` of each backend.
    let addresses: [String]
    var wire = Wire.http

    /// What every backend speaks.
    enum Wire: Equatable {
        case http
        /// HTTP over TLS with this certificate (nil until it is made).
        case https(certificate: Certificate?)
        /// h2c answering `grpc.health.v1.Health/Check` with SERVING: a static gRPC response (one message,
        /// `08 01`, and trailer `grpc-status: 0`) from a file, so one nginx plays thousands of gRPC servers.
        case grpc

        var name: String {
            switch self {
            case .http: return "HTTP"
            case .https: return "HTTPS"
            case .grpc: return "gRPC"
            }
        }
    }

    struct Certificate: Equatable {
        let file: String
        let key: String
    }

    /// Port 10080 on 127.77.0.1, 127.77.0.2, ...: loopback addresses of their own, so that neither other
    /// programs' ports nor the prober's ephemeral ports get in the way, however many backends.
    static func addresses(count: Int) -> [String] {
        (0..<count).map { "127.77.\($0 / 250).\($0 % 250 + 1):10080" }
    }

    var binary: String { NginxBinary.path }

    private var shards: [(prefix: String, addresses: ArraySlice<String>)] {
        stride(from: 0, to: max(addresses.count, 1), by: Self.backendsPerShard).enumerated().map { index, start in
            (index == 0 ? root : "\(root)/shard-\(index)", addresses[start..<min(start + Self.backendsPerShard, addresses.count)])
        }
    }

    /// Writes each shard's nginx.conf (the first including `include`, when given, inside `http {}`) and
    /// starts them.
    func start(include: String? = nil) async throws {
        for (index, shard) in shards.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(shard.prefix)/conf/picket", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(shard.prefix)/logs", withIntermediateDirectories: true)
            var extra = "", suffix = ""
            switch self.wire {
            case .http: break
            case .https(let certificate):
                suffix = " ssl"
                extra = certificate.map { "        ssl_certificate \($0.file);\n        ssl_certificate_key \($0.key);\n" } ?? ""
            case .grpc:
                suffix = " http2"
                try Data([0, 0, 0, 0, 2, 0x08, 0x01]).write(to: URL(fileURLWithPath: "\(shard.prefix)/serving"))
                // A static file answers GET only: the POST is turned into an internal GET of the file.
                extra = "        location = /grpc.health.v1.Health/Check {\n            error_page 405 =200 /serving;\n            return 405;\n        }\n"
                    + "        location = /serving {\n            internal;\n            root \(shard.prefix);\n            default_type application/grpc;\n"
                    + "            add_trailer grpc-status 0;\n        }\n"
            }
            let listens = shard.addresses.map { "        listen \($0)\(suffix);" }.joined(separator: "\n")
            // Every listening socket takes a descriptor and one of nginx's connection slots, and so does a
            // keep-alive connection per backend (reuse_connection): short of slots, nginx closes idle ones.
            try """
                worker_processes 1;
                worker_rlimit_nofile 19000;
                pid logs/nginx.pid;
                error_log logs/error.log warn;
                events { worker_connections \(2 * shard.addresses.count + 4_096); }
                http {
                    log_format bench '$msec $server_addr:$server_port';
                    access_log logs/access.log bench buffer=256k flush=1s;
                    \(index == 0 ? include.map { "include \($0);" } ?? "" : "")
                    server {
                \(listens)
                \(extra)        location / { return 200 "ok\\n"; }
                    }
                }
                """.write(toFile: "\(shard.prefix)/conf/nginx.conf", atomically: true, encoding: .utf8)
            let started = await CommandRunner.run([binary, "-p", shard.prefix, "-c", "conf/nginx.conf"], timeout: .seconds(30))
            guard started.succeeded else {
                await stop()
                throw BenchError("nginx did not start: \(started.summary.prefix(500))")
            }
        }
    }

    func stop() async {
        for shard in shards {
            _ = await CommandRunner.run([binary, "-p", shard.prefix, "-c", "conf/nginx.conf", "-s", "stop"], timeout: .seconds(10))
        }
    }

    /// The checks nginx logged, per backend (nginx flushes its log buffer every second and on stop).
    func arrivals() throws -> CheckLog {
        try CheckLog(paths: shards.map { "\($0.prefix)/logs/access.log" })
    }
}

/// The requests nginx logged, as arrival times per backend address.
struct CheckLog {
    private var arrivals: [Substring: [Double]] = [:]

    init(paths: [String]) throws {
        let text = try paths.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let time = Double(fields[0]) else { continue }
            arrivals[fields[1], default: []].append(time)
        }
        for address in arrivals.keys { arrivals[address]!.sort() }
    }

    /// Checks that arrived within `windows` and the gaps between consecutive checks of each backend,
    /// both ends within the same window.
    func stats(in windows: [ClosedRange<Double>]) -> CheckStats {
        var gaps: [Double] = []
        var checks = 0
        var seen: Set<Substring> = []
        for window in windows {
            for (address, times) in arrivals {
                let inside = times.filter { window.contains($0) }
                checks += inside.count
                if !inside.isEmpty { seen.insert(address) }
                for (previous, next) in zip(inside, inside.dropFirst()) { gaps.append(next - previous) }
            }
        }
        gaps.sort()
        let seconds = windows.reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        return CheckStats(checks: checks, backends: seen.count, seconds: seconds, gaps: gaps)
    }
}

/// Checks counted in a window and the gaps between them.
struct CheckStats {
    let checks: Int
    /// Backends that were checked at all.
    let backends: Int
    let seconds: Double
    let gaps: [Double]

    var perSecond: Double { Double(checks) / seconds }
    var p50: Double { percentile(gaps, 0.5) }
    var p99: Double { percentile(gaps, 0.99) }
    var max: Double { gaps.last ?? 0 }
}
