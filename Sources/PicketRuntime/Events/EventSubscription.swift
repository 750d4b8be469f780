import DequeModule
import NIOConcurrencyHelpers
import NIOCore

/// One client of the event stream: its bounded buffer of frames waiting to be written, filled by any
/// thread that publishes and emptied by its connection's event loop (`EventStreamHandler`).
final class EventSubscription: Sendable {
    let capacity: Int
    private let onDrop: @Sendable (Int) -> Void
    private struct State {
        var queue = Deque<[UInt8]>()
        var missed = 0
        /// Asks the connection's event loop to write; set once the connection is attached.
        var wake: (@Sendable () -> Void)?
        var wakePending = false
        /// Frames handed to the connection and not yet written to the socket.
        var outstanding = 0
        /// When the client last made progress, or began to have something waiting.
        var lastProgress = NIODeadline.now()
        var closed = false
        var close: (@Sendable () -> Void)?
    }
    private let state: NIOLockedValueBox<State>

    init(capacity: Int, replay: [[UInt8]], onDrop: @escaping @Sendable (Int) -> Void) {
        self.capacity = capacity
        self.onDrop = onDrop
        var initial = State()
        initial.queue.append(contentsOf: replay)
        state = NIOLockedValueBox(initial)
    }

    /// Queues a frame, dropping the oldest waiting one when the buffer is full.
    func enqueue(_ frame: [UInt8]) {
        var dropped = false
        let wake = state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard !state.closed else { return nil }
            if state.queue.isEmpty, state.outstanding == 0 { state.lastProgress = .now() }
            if state.queue.count >= capacity {
                state.queue.removeFirst()
                state.missed += 1
                dropped = true
            }
            state.queue.append(frame)
            guard !state.wakePending, let wake = state.wake else { return nil }
            state.wakePending = true
            return wake
        }
        if dropped { onDrop(1) }
        wake?()
    }

    /// Connects the buffer to a connection: `wake` asks it to write, `close` ends it.
    func attach(wake: @escaping @Sendable () -> Void, close: @escaping @Sendable () -> Void) {
        let closed = state.withLockedValue { state in
            state.wake = wake
            state.close = close
            state.lastProgress = .now()
            return state.closed
        }
        if closed { close() }
    }

    /// Up to `limit` frames to write now, with a note of how many were dropped first when some were.
    func take(_ limit: Int) -> [[UInt8]] {
        state.withLockedValue { state in
            state.wakePending = false
            var frames: [[UInt8]] = []
            if state.missed > 0 {
                frames.append(EventFrame.dropped(state.missed))
                state.missed = 0
            }
            while frames.count < limit, let frame = state.queue.popFirst() { frames.append(frame) }
            state.outstanding += frames.count
            return frames
        }
    }

    /// `count` frames reached the socket.
    func wrote(_ count: Int) {
        state.withLockedValue { state in
            state.outstanding -= count
            state.lastProgress = .now()
        }
    }

    /// How many frames wait, when the client has taken nothing for `timeout` while they did.
    func stalled(after timeout: TimeAmount, now: NIODeadline = .now()) -> Int? {
        state.withLockedValue { state in
            let waiting = state.queue.count + state.outstanding
            return waiting > 0 && now - state.lastProgress > timeout ? waiting : nil
        }
    }

    var isIdle: Bool { state.withLockedValue { $0.queue.isEmpty && $0.outstanding == 0 } }

    /// Stops taking frames and closes the connection, if one is attached.
    func close() {
        let close = state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard !state.closed else { return nil }
            state.closed = true
            state.queue.removeAll()
            return state.close
        }
        close?()
    }
}
