import NIOConcurrencyHelpers
import NIOCore

/// The status server's open connections, capped so that a neighbour cannot spend Picket's file
/// descriptors on them (1,100 idle connections once left every probe failing with EMFILE).
///
/// At the cap a new connection is not refused: the oldest connection that has not yet sent a whole
/// request is closed to make room, so a flood of idle connections cannot lock out `/healthz`, and a
/// request being answered is never cut off.
final class StatusConnections: Sendable {
    let limit: Int
    private struct Entry {
        let channel: Channel
        let order: UInt64
        var answering = false
    }
    private let state = NIOLockedValueBox<(entries: [ObjectIdentifier: Entry], next: UInt64, evicted: Int)>(([:], 0, 0))

    init(limit: Int) {
        self.limit = limit
    }

    /// Registers a new connection and closes whatever has to make room for it.
    func admit(_ channel: Channel) {
        let victim: Channel? = state.withLockedValue { state in
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, order: state.next)
            state.next += 1
            guard state.entries.count > limit else { return nil }
            let idle = state.entries.values.filter { !$0.answering }.min { $0.order < $1.order }
            guard let idle else { return nil }
            state.entries[ObjectIdentifier(idle.channel)] = nil
            state.evicted += 1
            return idle.channel
        }
        victim?.close(promise: nil)
        channel.closeFuture.whenComplete { [weak self] _ in self?.forget(channel) }
    }

    /// The connection has sent a whole request: it is answered, never evicted.
    func answering(_ channel: Channel) {
        state.withLockedValue { $0.entries[ObjectIdentifier(channel)]?.answering = true }
    }

    var open: Int { state.withLockedValue { $0.entries.count } }

    /// Connections closed to make room, since start.
    var evicted: Int { state.withLockedValue { $0.evicted } }

    private func forget(_ channel: Channel) {
        state.withLockedValue { _ = $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
