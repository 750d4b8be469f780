/// The backend records, dense: one array of records in insertion order, and a table from a backend's ID to
/// its slot.
///
/// A dictionary keeps its values in its buckets, a quarter to five eighths of them empty: with records of
/// ~860 bytes that was 3 MiB of empty buckets at 5,000 backends. Here only the ID table has buckets, and
/// its values are 4 bytes. A position stays valid while no record is added or removed; removing one moves
/// the last record into its place.
///
/// A slot is a number a record keeps while it is in the table, whatever its position: the ID table holds
/// slots, so a move touches only the slot's position, and probe timers and edge watches name the slot,
/// so the thousands of wakes a second find their record without hashing its ID (and a timer is a third
/// of the size). A slot is given again after its record is removed: whoever holds one checks that it
/// still stands for what it meant (a token, a ticket).
struct BackendTable: Sendable {
    private var slotsByID: [BackendID: Int32] = [:]
    private(set) var ids: [BackendID] = []
    private(set) var values: [BackendRecord] = []
    /// The slot of the record at each position.
    private var slots: [Int32] = []
    /// The position of the record in each slot; -1 for a free slot.
    private var slotPositions: [Int32] = []
    private var freeSlots: [Int32] = []

    var count: Int { values.count }

    func index(forKey id: BackendID) -> Int? {
        slotsByID[id].map { Int(slotPositions[Int($0)]) }
    }

    /// The same, starting from the slot the record was in: the ID is hashed only when the record is no
    /// longer there (the slot was freed, or taken by another backend).
    func index(forKey id: BackendID, slot hint: Int32) -> Int? {
        if hint >= 0, Int(hint) < slotPositions.count, let position = index(ofSlot: hint), ids[position] == id {
            return position
        }
        return index(forKey: id)
    }

    /// The slot of the record at a position.
    func slot(at index: Int) -> Int32 {
        slots[index]
    }

    /// The position of the record now in `slot`, nil if the slot is free.
    func index(ofSlot slot: Int32) -> Int? {
        let position = slotPositions[Int(slot)]
        return position >= 0 ? Int(position) : nil
    }

    /// The record at a position, read or changed where it lies.
    subscript(at index: Int) -> BackendRecord {
        _read { yield values[index] }
        _modify { yield &values[index] }
    }

    /// The subject of the probes of the record at a position. The ID is read only to make a new one:
    /// copying it retains its strings, and thousands of probes a second go out.
    mutating func probeSubject(at index: Int) -> ProbeSubject {
        values[index].currentSubject ?? values[index].makeSubject(for: ids[index])
    }

    subscript(id: BackendID) -> BackendRecord? {
        get { index(forKey: id).map { values[$0] } }
        set {
            if let newValue { insert(id, newValue) } else { removeValue(forKey: id) }
        }
    }

    /// Makes room for `count` records in all, so that a config load grows the storage once, to its size.
    mutating func reserve(_ count: Int) {
        guard count > values.capacity else { return }
        values.reserveCapacity(count)
        ids.reserveCapacity(count)
        slots.reserveCapacity(count)
        slotPositions.reserveCapacity(count)
        slotsByID.reserveCapacity(count)
    }

    private mutating func insert(_ id: BackendID, _ record: BackendRecord) {
        if let index = index(forKey: id) {
            values[index] = record
            return
        }
        let position = Int32(values.count)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slotPositions[Int(slot)] = position
        } else {
            slot = Int32(slotPositions.count)
            slotPositions.append(position)
        }
        slotsByID[id] = slot
        ids.append(id)
        values.append(record)
        slots.append(slot)
    }

    @discardableResult
    mutating func removeValue(forKey id: BackendID) -> BackendRecord? {
        guard let slot = slotsByID.removeValue(forKey: id) else { return nil }
        let position = slotPositions[Int(slot)]
        let index = Int(position), last = values.count - 1
        if index != last {
            values.swapAt(index, last)
            ids.swapAt(index, last)
            slots.swapAt(index, last)
            slotPositions[Int(slots[index])] = position
        }
        slotPositions[Int(slot)] = -1
        freeSlots.append(slot)
        ids.removeLast()
        slots.removeLast()
        return values.removeLast()
    }

    /// Every record with its ID, in table order.
    var entries: Zip2Sequence<[BackendID], [BackendRecord]> {
        zip(ids, values)
    }
}
