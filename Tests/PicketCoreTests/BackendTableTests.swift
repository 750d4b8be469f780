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

    /// A report names the slot its request came from: that finds the record, and a slot since given to
    /// another backend falls back to the ID instead of finding the wrong record.
    @Test func aSlotHintFindsItsRecordAndAStaleHintFallsBackToTheID() {
        var table = BackendTable()
        for port in 1...3 { table[id(port)] = record(port) }
        let slot = table.slot(at: table.index(forKey: id(2))!)
        #expect(table.index(forKey: id(2), slot: slot).map { table[at: $0].instance.address } == id(2).address)
        table.removeValue(forKey: id(2))
        #expect(table.index(forKey: id(2), slot: slot) == nil, "a removed backend is not found through its old slot")
        table[id(4)] = record(4)
        #expect(table.slot(at: table.index(forKey: id(4))!) == slot, "the freed slot went to another backend")
        #expect(table.index(forKey: id(2), slot: slot) == nil, "nor through the slot's new record")
        table[id(2)] = record(2)
        #expect(table.index(forKey: id(2), slot: slot).map { table[at: $0].instance.address } == id(2).address, "re-added elsewhere, found by ID")
        #expect(table.index(forKey: id(3), slot: -1).map { table[at: $0].instance.address } == id(3).address, "no hint: the ID")
        #expect(table.index(forKey: id(3), slot: 999).map { table[at: $0].instance.address } == id(3).address, "a slot past the table: the ID")
    }
}
