import Foundation
import NIOConcurrencyHelpers
import PicketCore
import PicketStore

/// A synthetic day of check history written into a real state database through the real writer: one
/// app of BACKENDS backends checked every second for 24 hours, ending now (one flush per simulated
/// second, as Picket flushes; about 1 in 1,000 checks fails). Reports the database's size, the writer's
/// CPU per check, and how long a 24 h report takes.
struct HistoryBench {
    let backends: Int
    let hours: Int

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-history-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/state.db"
        let store = try StateStore(path: path)
        let seconds = hours * 3600
        let end = Date().timeIntervalSince1970.rounded(.down)
        let simulated = NIOLockedValueBox(end - Double(seconds))
        let writer = StoreWriter(store: store, interval: .seconds(3600), retention: .seconds(86_400), clock: { simulated.withLockedValue { $0 } }) { _ in }
        let app = try AppName(validating: "bench")
        let numbers = try (0..<backends).map { writer.number(BackendID(app: app, address: try ServerAddress(validating: "127.0.0.1:\(10_000 + $0)"))) }
        var random = SplitMix(seed: 42)
        print("history: \(backends) backends checked every second for \(hours) h (\(backends * seconds) checks), one flush per simulated second...")
        let cpuStart = Resources.cpuTime()
        let clock = ContinuousClock()
        let started = clock.now
        for second in 0..<seconds {
            let at = end - Double(seconds - second)
            for number in numbers {
                let failed = random.next() % 1000 == 0
                // Loopback-like latencies: 0.2 ms and up, mostly under 2 ms, a long thin tail.
                let latency = 0.2 + 0.6 * -log(Double(random.next() % 1_000_000 + 1) / 1_000_001)
                writer.add(check: CheckRow(
                    at: at, backend: number, passed: !failed, failureClass: failed ? .timeout : nil, latencyMs: failed ? 500 : latency,
                    status: failed ? nil : 200))
            }
            simulated.withLockedValue { $0 = at + 1 }
            writer.flushNow()
            if second % 3600 == 3599 { print("  \(second / 3600 + 1) h written, database file \(format(Double(fileBytes(path)) / 1_048_576)) MiB") }
        }
        let elapsed = clock.now - started
        let cpu = Resources.cpuTime() - cpuStart
        simulated.withLockedValue { $0 = end + 60 }
        writer.stop()
        let checks = Double(backends * seconds)
        let (file, wal) = (Double(fileBytes(path)), Double(fileBytes(path + "-wal")))
        print("  written in \(format(elapsed.milliseconds / 1000)) s; CPU \(format(Double(cpu.nanoseconds) / 1000 / checks, 2)) µs per check (generating the checks included)")
        print("  database file \(format(file / 1_048_576)) MiB (\(format(file / 1_073_741_824, 3)) GiB), WAL \(format(wal / 1_048_576)) MiB, after \(hours) h")
        var timings: [Double] = []
        var report: AppReport?
        for _ in 0..<7 {
            let start = clock.now
            report = try await store.report(app: "bench", since: end - 86_400, until: end)
            timings.append((clock.now - start).milliseconds)
        }
        timings.sort()
        print("  24 h report     median \(format(percentile(timings, 0.5), 1)) ms, max \(format(timings.last ?? 0, 1)) ms (7 runs)")
        if let report {
            print("  report          \(report.totalChecks) checks, uptime \(report.uptimePercent ?? 0) %, average \(report.averageResponseMs ?? 0) ms, p95 \(report.p95ResponseMs ?? 0) ms, errors \(report.errors)")
        }
    }

    private func fileBytes(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

/// A small seeded generator (SplitMix64): the same synthetic history on every run.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
