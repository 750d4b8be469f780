import DequeModule
import Logging
import NIOConcurrencyHelpers

/// The fan-out behind `GET /v1/events`: every log line that names an `event`, as the JSON log format
/// writes it, to each client that follows the stream.
///
/// Whoever logs (the controller loop above all) encodes the line once and appends it to a bounded
/// buffer per client, then returns: a slow client loses its oldest events (counted, and told how many
/// when it catches up), a stalled one is cut off by its connection (`EventStreamHandler`), and neither
/// ever slows the loop. The last `retained` events are kept for clients that connect later, so a page
/// opened now shows what just happened; memory stays bounded however long a client stays.
final class EventHub: Sendable {
    static let retained = 100
    /// Events waiting per client before the oldest are dropped.
    static let clientBuffer = 256

    let maxClients: Int
    let metrics: PicketMetrics
    let logger: Logger
    private struct State {
        var nextID: UInt64 = 1
        var recent = Deque<(id: UInt64, frame: [UInt8])>()
        var clients: [ObjectIdentifier: EventSubscription] = [:]
    }
    private let state = NIOLockedValueBox(State())

    init(maxClients: Int, metrics: PicketMetrics, logger: Logger) {
        self.maxClients = maxClients
        self.metrics = metrics
        self.logger = logger
    }

    /// Sends one event, `data` being a JSON object on one line, to every client. Clients get it under
    /// the hub's lock, so each sees the events in the order of their ids.
    func publish(name: String, data: String) {
        state.withLockedValue { state in
            let id = state.nextID
            state.nextID += 1
            let frame = EventFrame.event(id: id, name: name, data: data)
            state.recent.append((id, frame))
            if state.recent.count > Self.retained { state.recent.removeFirst() }
            for client in state.clients.values { client.enqueue(frame) }
        }
    }

    /// A new client, starting with the retained events after `lastEventID` (all of them without one,
    /// or when the id is from before Picket restarted); nil when `maxClients` follow already.
    func subscribe(after lastEventID: UInt64?) -> EventSubscription? {
        let subscription = state.withLockedValue { state -> EventSubscription? in
            guard state.clients.count < maxClients else { return nil }
            let after = lastEventID.flatMap { $0 < state.nextID ? $0 : nil } ?? 0
            let replay = [EventFrame.retry] + state.recent.filter { $0.id > after }.map(\.frame)
            let subscription = EventSubscription(capacity: Self.clientBuffer + replay.count, replay: replay) { [metrics] dropped in
                metrics.eventsDropped(dropped)
            }
            state.clients[ObjectIdentifier(subscription)] = subscription
            return subscription
        }
        if subscription != nil { metrics.eventClients(clientCount) }
        return subscription
    }

    func unsubscribe(_ subscription: EventSubscription) {
        let removed = state.withLockedValue { $0.clients.removeValue(forKey: ObjectIdentifier(subscription)) != nil }
        subscription.close()
        if removed { metrics.eventClients(clientCount) }
    }

    var clientCount: Int { state.withLockedValue { $0.clients.count } }

    /// Ends every stream (at shutdown).
    func closeAll() {
        let clients = state.withLockedValue { state in
            defer { state.clients = [:] }
            return Array(state.clients.values)
        }
        for client in clients { client.close() }
        metrics.eventClients(0)
    }
}
