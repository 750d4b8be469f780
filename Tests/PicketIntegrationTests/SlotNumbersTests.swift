import Foundation
import PicketCore
import PicketStore
import Testing

@testable import PicketRuntime

/// A check's row names its backend by the writer's number, found by the core's slot of the backend.
/// The core gives a freed slot to the next backend added, so the slot alone must never decide.
@Suite struct SlotNumbersTests {
    private let store: StateStore
    private let writer: StoreWriter

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picket-slots-\(UUID().uuidString.prefix(8))/state.db").path
        store = try StateStore(path: path)
        writer = StoreWriter(store: store, retention: .seconds(3600)) { _ in }
    }

    private func report(_ address: String, app: String = "web", slot: Int32) -> ProbeReport {
        let backend = BackendID(app: try! AppName(validating: app), address: try! ServerAddress(validating: address))
        let subject = ProbeSubject(backend: backend, target: backend.address, sharedCheck: Shared(HealthCheckSpec()))
        return ProbeReport(subject: subject, ticket: 1, attempt: 0, dueAt: .zero, outcome: .passed(ProbeEvidence(statusCode: 200)), slot: slot)
    }

    @Test func aSlotGivenToAnotherBackendGetsThatBackendsNumber() {
        var numbers = SlotNumbers()
        let first = numbers.number(report("127.0.0.1:8001", slot: 3), writer: writer)
        #expect(numbers.number(report("127.0.0.1:8001", slot: 3), writer: writer) == first)
        let second = numbers.number(report("127.0.0.1:8002", slot: 3), writer: writer)
        #expect(second != first, "the slot now holds another backend")
        #expect(numbers.number(report("127.0.0.1:8001", slot: 7), writer: writer) == first, "a backend keeps its number in any slot")
        #expect(numbers.number(report("127.0.0.1:8002", slot: -1), writer: writer) == second, "a report without a slot is numbered too")
    }

    @Test func checksOfABackendInAReusedSlotAreWrittenAsItsOwn() async throws {
        let persistence = Persistence(store: store, writer: writer)
        let now = Date().timeIntervalSince1970
        var rows = persistence.rows(capacity: 1)
        rows.add(report("127.0.0.1:8001", app: "web", slot: 0), at: now - 5)
        persistence.record(rows)
        rows = persistence.rows(capacity: 2)
        rows.add(report("127.0.0.1:8001", app: "api", slot: 0), at: now - 4)
        rows.add(report("127.0.0.1:8001", app: "api", slot: 0), at: now - 3)
        persistence.record(rows)
        writer.stop()
        let (web, api) = (try await store.report(app: "web", since: now - 60, until: now), try await store.report(app: "api", since: now - 60, until: now))
        #expect(web.totalChecks == 1 && api.totalChecks == 2)
    }
}
