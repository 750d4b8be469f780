import Foundation
import PicketCore

/// One backend's live traffic over the last `slots` seconds, as nginx logged it: requests, failures by
/// class and a latency histogram per second, so rates and percentiles describe recent traffic only.
/// Percentiles come from logarithmic buckets (four per doubling, from 100 µs): each is within about
/// ±10 % of the true value, which is enough to see a backend slowing down.
struct TrafficWindow: Sendable {
    static let slots = 10
    static let buckets = 80

    struct Slot: Sendable {
        var second = 0
        var requests = 0
        var fiveXX = 0
        var gateway = 0
        var connect = 0
        var latency = [UInt32](repeating: 0, count: TrafficWindow.buckets)
    }

    private var slots = [Slot](repeating: Slot(), count: TrafficWindow.slots)

    mutating func add(_ attempt: PassiveLine.Attempt, second: Int) {
        let index = second % Self.slots
        if slots[index].second != second { slots[index] = Slot(second: second) }
        slots[index].requests += 1
        if attempt.attempt.connectFailed { slots[index].connect += 1 }
        if attempt.attempt.isGatewayFailure { slots[index].gateway += 1 }
        if attempt.attempt.is5xx { slots[index].fiveXX += 1 }
        if let time = attempt.responseTime { slots[index].latency[Self.bucket(time)] += 1 }
    }

    /// The summary of the slots within the window ending at `second`; nil without traffic.
    func summary(at second: Int) -> TrafficSummary? {
        let live = slots.filter { second - $0.second < Self.slots && $0.second <= second && $0.requests > 0 }
        let requests = live.reduce(0) { $0 + $1.requests }
        guard requests > 0 else { return nil }
        var histogram = [UInt32](repeating: 0, count: Self.buckets)
        for slot in live { for index in histogram.indices { histogram[index] += slot.latency[index] } }
        func share(_ count: Int) -> Double { (Double(count) / Double(requests) * 10_000).rounded() / 10_000 }
        return TrafficSummary(
            requestsPerSecond: Double(requests) / Double(Self.slots), requests: requests,
            serverErrorRate: share(live.reduce(0) { $0 + $1.fiveXX }), gatewayFailureRate: share(live.reduce(0) { $0 + $1.gateway }),
            connectFailureRate: share(live.reduce(0) { $0 + $1.connect }),
            p50Seconds: Self.percentile(0.50, histogram), p95Seconds: Self.percentile(0.95, histogram),
            p99Seconds: Self.percentile(0.99, histogram))
    }

    static func bucket(_ seconds: Double) -> Int {
        guard seconds > 0.0001 else { return 0 }
        return min(buckets - 1, Int((log2(seconds / 0.0001) * 4).rounded(.down)) + 1)
    }

    /// The upper bound of the bucket holding the `quantile`-th latency, in seconds.
    static func percentile(_ quantile: Double, _ histogram: [UInt32]) -> Double? {
        let total = histogram.reduce(0) { $0 + Int($1) }
        guard total > 0 else { return nil }
        let rank = Int((quantile * Double(total)).rounded(.up))
        var seen = 0
        for (index, count) in histogram.enumerated() {
            seen += Int(count)
            if seen >= rank { return (0.0001 * pow(2, Double(index) / 4) * 1_000_000).rounded() / 1_000_000 }
        }
        return nil
    }
}

/// A backend's live traffic over the last ten seconds.
public struct TrafficSummary: Sendable, Equatable, Codable {
    public let requestsPerSecond: Double
    public let requests: Int
    /// Share of attempts that got a 5xx or no answer at all.
    public let serverErrorRate: Double
    public let gatewayFailureRate: Double
    public let connectFailureRate: Double
    /// Upstream response time percentiles, in seconds.
    public let p50Seconds: Double?
    public let p95Seconds: Double?
    public let p99Seconds: Double?
}
