import Testing

@testable import PicketCore

/// The dense record table moves a record when another is removed; every ID must still find its own.
@Suite struct BackendTableTests {
    func id(_ port: Int) -> BackendID {
        BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:\(port)"))
    }

    func record(_ port: Int) -> BackendRecord {
        let instance = InstanceSpec(address: try! ServerAddress(validating: "127.0.0.1:\(port)"))
        let app = AppSpec(name: try! AppName(validating: "web"), instances: [instance], healthCheck: HealthCheckSpec(), circuit: CircuitSpec())
        return BackendRecord(instance: instance, policy: AppPolicy(app), state: BackendState(phase: .pending, since: .zero), container: nil, containerSeenAt: nil)
    }

    @Test func everyRecordIsFoundByItsOwnIDAfterOthersAreRemovedInAnyOrder() {
        var table = BackendTable()
        var random = SystemRandomNumberGenerator()
        var present = Set<Int>()
        for port in 1...200 {
            table[id(port)] = record(port)
            present.insert(port)
        }
        for port in (1...200).shuffled(using: &random).prefix(120) {
            #expect(table.removeValue(forKey: id(port))?.instance.address == id(port).address)
            present.remove(port)
        }
        #expect(table.removeValue(forKey: id(1_000)) == nil, "removing an unknown ID changes nothing")
        #expect(table.count == present.count)
        for port in present {
            let index = table.index(forKey: id(port))
            #expect(index.map { table[at: $0].instance.address } == id(port).address, "\(port) is where its position says")
        }
        #expect(Set(table.ids) == Set(present.map(id)), "the IDs listed are the records kept")
        table[id(7_000)] = record(7_000)
        #expect(table[id(7_000)]?.instance.address == id(7_000).address, "a record added after removals is found")
    }

    /// Probe timers name a record by its slot: it must lead to the same record however the records move,
    /// and to none once the record is gone (until the slot is given to another).
    @Test func aSlotLeadsToItsRecordWhileItIsKeptAndToNoneOnceRemoved() {
        var table = BackendTable()
        var random = SystemRandomNumberGenerator()
        var slots: [Int: Int32] = [:]
        for port in 1...200 {
            table[id(port)] = record(port)
            slots[port] = table.slot(at: table.index(forKey: id(port))!)
        }
        #expect(Set(slots.values).count == 200, "every record has a slot of its own")
        let removed = Array((1...200).shuffled(using: &random).prefix(120))
        for port in removed { table.removeValue(forKey: id(port)) }
        for port in 1...200 {
            let found = table.index(ofSlot: slots[port]!).map { table[at: $0].instance.address }
            #expect(found == (removed.contains(port) ? nil : id(port).address), "slot of \(port)")
        }
        table[id(9_000)] = record(9_000)
        let reused = table.slot(at: table.index(forKey: id(9_000))!)
        #expect(removed.map { slots[$0]! }.contains(reused), "a freed slot is given again")
        #expect(table.index(ofSlot: reused).map { table[at: $0].instance.address } == id(9_000).address)
    }
}
