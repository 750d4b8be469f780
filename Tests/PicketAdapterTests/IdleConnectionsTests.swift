import PicketCore
import Testing

@testable import PicketProbes

/// Idle keep-alive connections are found by the core record's slot, and only by the backend that left
/// them there.
@Suite struct IdleConnectionsTests {
    /// A key made afresh each time, as after a config reload: it matches by backend and target, not by
    /// the subject's identity.
    func key(_ address: String, slot: Int32) -> ReuseKey {
        let target = try! ServerAddress(validating: address)
        let id = BackendID(app: try! AppName(validating: "web"), address: target)
        return ReuseKey(subject: ProbeSubject(backend: id, target: target, sharedCheck: Shared(HealthCheckSpec())), slot: slot)
    }

    @Test func aConnectionKeptUnderASlotIsTakenOnceByTheSameBackend() {
        var idle = IdleConnections()
        let kept = idle.keep(7, for: key("127.0.0.1:80", slot: 3))
        let keptTwice = idle.keep(8, for: key("127.0.0.1:80", slot: 3))
        #expect(kept && !keptTwice && idle.count == 1, "a backend keeps one idle connection")
        let otherBackend = idle.take(key("127.0.0.2:80", slot: 3))
        let otherSlot = idle.take(key("127.0.0.1:80", slot: 4))
        #expect(otherBackend == nil, "another backend in the same slot does not get it")
        #expect(otherSlot == nil, "nor the same backend under another slot")
        let taken = idle.take(key("127.0.0.1:80", slot: 3))
        let again = idle.take(key("127.0.0.1:80", slot: 3))
        #expect(taken == 7 && again == nil && idle.count == 0)
    }

    @Test func aSlotGivenToAnotherBackendReplacesTheStaleConnection() {
        var idle = IdleConnections()
        _ = idle.keep(1, for: key("127.0.0.1:80", slot: 0))
        let replaced = idle.keep(2, for: key("127.0.0.9:80", slot: 0))
        #expect(replaced && idle.count == 1, "the slot's new backend keeps its own; the stale one no longer counts")
        idle.remove(1, for: key("127.0.0.1:80", slot: 0))
        #expect(idle.count == 1, "closing the stale one leaves the new one")
        let taken = idle.take(key("127.0.0.9:80", slot: 0))
        #expect(taken == 2)
    }

    @Test func theSameBackendCheckedOnAnotherTargetDoesNotTakeTheConnection() {
        var idle = IdleConnections()
        let address = try! ServerAddress(validating: "127.0.0.1:80")
        let id = BackendID(app: try! AppName(validating: "web"), address: address)
        func key(_ target: String) -> ReuseKey {
            ReuseKey(subject: ProbeSubject(backend: id, target: try! ServerAddress(validating: target), sharedCheck: Shared(HealthCheckSpec())), slot: 5)
        }
        _ = idle.keep(3, for: key("127.0.0.1:80"))
        let otherPort = idle.take(key("127.0.0.1:8080"))
        let samePort = idle.take(key("127.0.0.1:80"))
        #expect(otherPort == nil, "a check whose port changed needs a connection to the new port")
        #expect(samePort == 3)
    }

    @Test func aConnectionIsForgottenWhenItCloses() {
        var idle = IdleConnections()
        _ = idle.keep(4, for: key("127.0.0.1:80", slot: 12))
        idle.remove(5, for: key("127.0.0.1:80", slot: 12))
        #expect(idle.count == 1, "another connection closing leaves it")
        idle.remove(4, for: key("127.0.0.1:80", slot: 12))
        let taken = idle.take(key("127.0.0.1:80", slot: 12))
        #expect(idle.count == 0 && taken == nil)
    }

    @Test func checksThatNameNoSlotAreFoundByBackendAndTarget() {
        var idle = IdleConnections()
        let kept = idle.keep(9, for: key("127.0.0.1:80", slot: -1))
        let keptTwice = idle.keep(10, for: key("127.0.0.1:80", slot: -1))
        let otherBackend = idle.take(key("127.0.0.2:80", slot: -1))
        #expect(kept && !keptTwice && otherBackend == nil)
        idle.remove(9, for: key("127.0.0.1:80", slot: -1))
        let afterClose = idle.take(key("127.0.0.1:80", slot: -1))
        #expect(idle.count == 0 && afterClose == nil)
        _ = idle.keep(11, for: key("127.0.0.1:80", slot: -1))
        let taken = idle.take(key("127.0.0.1:80", slot: -1))
        #expect(taken == 11)
    }
}
