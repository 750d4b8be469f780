import Logging
import NIOConcurrencyHelpers
import NIOCore
@testable import PicketRuntime
import Testing

/// The event stream's buffers, without sockets: what a client that falls behind or stalls is left with.
@Suite struct EventBufferTests {
    func frame(_ id: Int) -> [UInt8] { EventFrame.event(id: UInt64(id), name: "transition", data: "{}") }

    func lines(_ frames: [[UInt8]]) -> [String] { frames.map { String(decoding: $0, as: UTF8.self) } }

    @Test func aClientThatFallsBehindLosesItsOldestEventsAndIsToldHowMany() {
        let dropped = NIOLockedValueBox(0)
        let subscription = EventSubscription(capacity: 3, replay: []) { count in dropped.withLockedValue { $0 += count } }
        for id in 1...5 { subscription.enqueue(frame(id)) }
        let frames = lines(subscription.take(10))
        #expect(frames.count == 4)
        #expect(frames.first?.hasPrefix(#"event: dropped"# + "\n" + #"data: {"dropped":2,"event":"dropped""#) == true, "\(frames)")
        #expect(frames.dropFirst().map { $0.prefix(while: { $0 != "\n" }) } == ["id: 3", "id: 4", "id: 5"], "the newest are kept")
        #expect(dropped.withLockedValue { $0 } == 2, "and the loss is counted")
        #expect(subscription.take(10).isEmpty, "the note comes once")
    }

    @Test func aClientIsStalledOnlyWhileSomethingWaitsForIt() {
        let subscription = EventSubscription(capacity: 8, replay: []) { _ in }
        let later = NIODeadline.now() + .seconds(6)
        #expect(subscription.stalled(after: .seconds(5), now: later) == nil, "an idle client is never stalled")
        subscription.enqueue(frame(1))
        subscription.enqueue(frame(2))
        #expect(subscription.stalled(after: .seconds(5), now: later) == 2)
        let taken = subscription.take(10)
        #expect(subscription.stalled(after: .seconds(5), now: later) == 2, "handed to the socket is not yet written")
        subscription.wrote(taken.count)
        #expect(subscription.stalled(after: .seconds(5), now: later) == nil)
    }

    @Test func aNewClientGetsTheRetainedEventsAfterItsLastEventID() throws {
        let hub = EventHub(maxClients: 2, metrics: PicketMetrics(), logger: Logger(label: "test"))
        for id in 1...150 { hub.publish(name: "transition", data: #"{"n":\#(id)}"#) }
        func ids(_ subscription: EventSubscription?) -> [String] {
            lines(subscription?.take(1000) ?? []).compactMap { $0.hasPrefix("id: ") ? String($0.prefix(while: { $0 != "\n" }).dropFirst(4)) : nil }
        }
        let fresh = try #require(hub.subscribe(after: nil))
        #expect(ids(fresh) == (51...150).map(String.init), "the last \(EventHub.retained)")
        let back = try #require(hub.subscribe(after: 140))
        #expect(ids(back) == (141...150).map(String.init), "after Last-Event-ID")
        #expect(hub.subscribe(after: nil) == nil, "at most maxClients")
        hub.unsubscribe(back)
        #expect(ids(hub.subscribe(after: 9_999)) == (51...150).map(String.init), "an id from before a restart replays everything retained")
    }

    @Test func eventClientsNeverTakeMoreThanHalfTheStatusConnectionsTheOpenFileLimitAllows() {
        #expect(DescriptorBudget(limit: 1024).eventClients(configured: 8) == 8)
        #expect(DescriptorBudget(limit: 96).eventClients(configured: 8) == 2, "(96 - 64) / 8 = 4 status connections, 2 of them for the stream")
        #expect(DescriptorBudget(limit: 1_048_576).eventClients(configured: 64) == 64)
        #expect(DescriptorBudget(limit: 1024).eventClients(configured: 0) == 0, "0 keeps the stream off")
    }
}
