import DequeModule
import NIOConcurrencyHelpers

/// Bounds the TLS and gRPC checks under way, as the reactor bounds plain ones: each holds a descriptor
/// (and a handshake's memory), so thousands of TLS backends due at once must not take every descriptor
/// Picket has. Checks beyond the limit wait their turn in order; a waiting check's timeout has not
/// started (the prober starts it), so waiting shows as lag, not as a failed backend.
final class SecureGate: Sendable {
    private struct State {
        var limit: Int
        var running = 0
        var waiting: Deque<@Sendable () -> Void> = []
    }

    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        state = NIOLockedValueBox(State(limit: max(1, limit)))
    }

    /// Runs `start` now if a place is free, else when one is. `start` must call `leave()` when its
    /// check is over.
    func enter(_ start: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { state -> Bool in
            guard state.running < state.limit else {
                state.waiting.append(start)
                return false
            }
            state.running += 1
            return true
        }
        if now { start() }
    }

    /// Runs `start` now if a place is free and returns true; returns false, running nothing, if none is
    /// (an edge probe, which is not worth a wait).
    func enterIfFree(_ start: @escaping @Sendable () -> Void) -> Bool {
        let free = state.withLockedValue { state -> Bool in
            guard state.running < state.limit else { return false }
            state.running += 1
            return true
        }
        if free { start() }
        return free
    }

    /// A check is over: its place goes to the next waiting one.
    func leave() {
        let next = state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard state.running <= state.limit, let next = state.waiting.popFirst() else {
                state.running -= 1
                return nil
            }
            return next
        }
        next?()
    }

    /// A reloaded config: a higher limit starts waiting checks at once, a lower one lets those under
    /// way finish.
    func update(limit: Int) {
        let started = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.limit = max(1, limit)
            var started: [@Sendable () -> Void] = []
            while state.running < state.limit, let next = state.waiting.popFirst() {
                state.running += 1
                started.append(next)
            }
            return started
        }
        for start in started { start() }
    }

    /// Checks under way and waiting, for tests and the lag warning.
    var load: (running: Int, waiting: Int) {
        state.withLockedValue { ($0.running, $0.waiting.count) }
    }
}
