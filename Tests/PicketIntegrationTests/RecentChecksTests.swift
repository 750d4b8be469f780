import Foundation
import PicketCore
import Testing

@testable import PicketRuntime

@Suite struct RecentChecksTests {
    private let backend = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8080"))

    private func report(status: Int, of backend: BackendID? = nil, subject: ProbeSubject? = nil, slot: Int32 = -1) -> ProbeReport {
        let backend = backend ?? self.backend
        let subject = subject ?? ProbeSubject(backend: backend, target: backend.address, sharedCheck: Shared(HealthCheckSpec()))
        return ProbeReport(
            subject: subject, ticket: UInt64(status), attempt: 0, dueAt: .zero, outcome: .passed(ProbeEvidence(statusCode: status, latency: .milliseconds(1))),
            slot: slot)
    }

    /// 25 checks go through a ring of 10: the status API gets the last ten, newest first, and a limit
    /// takes the newest of them.
    @Test(arguments: [Int32(-1), 4])
    func theLastTenChecksAreKeptNewestFirst(slot: Int32) {
        var checks = RecentChecks()
        let subject = ProbeSubject(backend: backend, target: backend.address, sharedCheck: Shared(HealthCheckSpec()))
        for status in 200..<225 {
            checks.record(report(status: status, subject: subject, slot: slot), at: Date(timeIntervalSince1970: Double(status)))
        }
        #expect(checks.documents(for: backend, slot: slot).map(\.status) == Array((215..<225).reversed()))
        #expect(checks.documents(for: backend, slot: slot, limit: 3).map(\.status) == [224, 223, 222])
    }

    @Test(arguments: [Int32(-1), 0])
    func fewerChecksThanTheRingHoldsComeBackNewestFirst(slot: Int32) {
        var checks = RecentChecks()
        for status in 200..<204 {
            checks.record(report(status: status, slot: slot), at: Date(timeIntervalSince1970: Double(status)))
        }
        #expect(checks.documents(for: backend, slot: slot).map(\.status) == [203, 202, 201, 200])
        checks.forget([backend])
        #expect(checks.documents(for: backend, slot: slot).isEmpty)
    }

    /// The core gives a removed backend's slot to the next one added: that one starts with no checks, and
    /// the first one's checks are not shown as its own.
    @Test func aSlotGivenToAnotherBackendStartsWithItsOwnChecks() {
        let other = BackendID(app: backend.app, address: try! ServerAddress(validating: "127.0.0.1:8081"))
        var checks = RecentChecks()
        checks.record(report(status: 200, slot: 2), at: Date(timeIntervalSince1970: 1))
        checks.forget([backend])
        checks.record(report(status: 503, of: other, slot: 2), at: Date(timeIntervalSince1970: 2))
        #expect(checks.documents(for: other, slot: 2).map(\.status) == [503])
        #expect(checks.documents(for: backend, slot: 2).isEmpty)
    }

    /// A reloaded config gives a backend a new subject in the same slot: its checks so far stay.
    @Test func aBackendKeepsItsChecksWhenItsConfigChanges() {
        var checks = RecentChecks()
        checks.record(report(status: 200, slot: 1), at: Date(timeIntervalSince1970: 1))
        checks.record(report(status: 204, slot: 1), at: Date(timeIntervalSince1970: 2))
        #expect(checks.documents(for: backend, slot: 1).map(\.status) == [204, 200])
    }
}
