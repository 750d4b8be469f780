import NIOConcurrencyHelpers
import PicketCore

/// Asks the controller loop a question through its event stream and waits for the reply, or for
/// `timeout` (a stuck loop must not hang the status server).
struct ControllerMailbox: Sendable {
    let events: AsyncStream<ControllerEvent>.Continuation
    var timeout: Duration = .seconds(2)

    func ask(_ query: StatusQuery) async -> StatusAnswer? {
        await send { reply in .query(query, reply: reply) }
    }

    func command(_ action: OperatorAction, _ id: BackendID) async -> OperatorAnswer? {
        await send { reply in .command(action, id, reply: reply) }
    }

    private func send<T: Sendable>(_ make: (@escaping @Sendable (T) -> Void) -> ControllerEvent) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let answered = NIOLockedValueBox(false)
            let finish: @Sendable (T?) -> Void = { value in
                let first = answered.withLockedValue { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: value) }
            }
            if case .terminated = events.yield(make { finish($0) }) {
                finish(nil)
                return
            }
            let timeout = timeout
            Task {
                try? await Task.sleep(for: timeout)
                finish(nil)
            }
        }
    }
}
