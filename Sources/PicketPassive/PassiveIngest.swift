import Foundation
import NIOConcurrencyHelpers
import PicketCore

/// Folds nginx's access-log datagrams into one `PassiveTally` per backend until the controller loop
/// takes them, and keeps each backend's live traffic for the status API.
///
/// The loop never waits on ingestion and ingestion never queues per datagram: however many datagrams
/// arrive, memory is one tally and one traffic window per backend, and the loop is told at most once
/// per flush that a batch is waiting. Datagrams that cannot be read, or name no configured backend,
/// are counted and dropped.
public final class PassiveIngest: Sendable {
    /// What became of each datagram, for `picket_passive_datagrams_total{result}`.
    public enum Result: String, Sendable, CaseIterable {
        case accepted
        /// Well formed, but no attempt names a backend of a configured app.
        case unknownBackend = "unknown_backend"
        /// The client closed the request before its only attempt was answered: nobody's failure.
        case clientClosed = "client_closed"
        case notPicketFormat = "not_picket_format"
        case wrongFieldCount = "wrong_field_count"
        case malformed
        /// A UDP datagram from outside loopback: nobody else may report traffic.
        case foreignSender = "foreign_sender"
    }

    private struct State: Sendable {
        var routes: [String: [String: BackendID]] = [:]
        var tallies: [BackendID: PassiveTally] = [:]
        var traffic: [BackendID: TrafficWindow] = [:]
        var results: [Result: Int] = [:]
        var signalled = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The backends datagrams may name: `$proxy_host` is the app (the upstream name), each attempt's
    /// address a server of it.
    public func route(_ backends: [BackendID]) {
        var routes: [String: [String: BackendID]] = [:]
        for id in backends { routes[id.app.description, default: [:]][id.address.description] = id }
        state.withLockedValue { state in
            state.routes = routes
            state.traffic = state.traffic.filter { backends.contains($0.key) }
        }
    }

    /// Takes in one datagram.
    public func receive(_ bytes: some Collection<UInt8>, second: Int = Int(Date().timeIntervalSince1970)) {
        let line: PassiveLine
        do {
            line = try PassiveLine.parse(bytes)
        } catch {
            let result = Result(rawValue: error.rawValue) ?? .malformed
            state.withLockedValue { $0.results[result, default: 0] += 1 }
            return
        }
        state.withLockedValue { state in
            var known = false
            if let servers = state.routes[line.upstream] {
                for attempt in line.attempts {
                    guard let id = servers[attempt.address] else { continue }
                    known = true
                    state.tallies[id, default: PassiveTally()].add(attempt.attempt)
                    state.traffic[id, default: TrafficWindow()].add(attempt, second: second)
                }
            }
            let result: Result = known ? .accepted : line.clientClosed && line.attempts.isEmpty ? .clientClosed : .unknownBackend
            state.results[result, default: 0] += 1
        }
    }

    /// Counts a datagram refused for its sender.
    func refuseForeign() {
        state.withLockedValue { $0.results[.foreignSender, default: 0] += 1 }
    }

    /// True once when tallies are waiting and the loop has not been told yet.
    public func takeSignal() -> Bool {
        state.withLockedValue { state in
            guard !state.tallies.isEmpty, !state.signalled else { return false }
            state.signalled = true
            return true
        }
    }

    /// Everything folded since the last call.
    public func drain() -> [BackendID: PassiveTally] {
        state.withLockedValue { state in
            defer {
                state.tallies = [:]
                state.signalled = false
            }
            return state.tallies
        }
    }

    /// Datagram counts by result since start.
    public var results: [Result: Int] {
        state.withLockedValue { $0.results }
    }

    /// A backend's traffic over the last ten seconds; nil without any.
    public func traffic(_ id: BackendID, second: Int = Int(Date().timeIntervalSince1970)) -> TrafficSummary? {
        state.withLockedValue { $0.traffic[id]?.summary(at: second) }
    }

    /// Every backend's traffic over the last ten seconds, taken under one lock for a `/metrics` scrape;
    /// backends without any are left out.
    public func traffic(second: Int = Int(Date().timeIntervalSince1970)) -> [BackendID: TrafficSummary] {
        state.withLockedValue { $0.traffic.compactMapValues { $0.summary(at: second) } }
    }
}
