/// The backend records, dense: one array of records in insertion order and a table from a backend's ID to
/// its position.
///
/// A dictionary keeps its values in its buckets, a quarter to five eighths of them empty: with records of
/// ~860 bytes that was 3 MiB of empty buckets at 5,000 backends. Here only the ID table has buckets, and
/// its values are 4 bytes. A position stays valid while no record is added or removed; removing one moves
/// the last record into its place.
struct BackendTable: Sendable {
    private var positions: [BackendID: Int32] = [:]
    private(set) var ids: [BackendID] = []
    private(set) var values: [BackendRecord] = []

    var count: Int { values.count }

    func index(forKey id: BackendID) -> Int? {
        positions[id].map(Int.init)
    }

    /// The record at a position, read or changed where it lies.
    subscript(at index: Int) -> BackendRecord {
        _read { yield values[index] }
        _modify { yield &values[index] }
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
        positions.reserveCapacity(count)
    }

    private mutating func insert(_ id: BackendID, _ record: BackendRecord) {
        if let index = index(forKey: id) {
            values[index] = record
            return
        }
        positions[id] = Int32(values.count)
        ids.append(id)
        values.append(record)
    }

    @discardableResult
    mutating func removeValue(forKey id: BackendID) -> BackendRecord? {
        guard let position = positions.removeValue(forKey: id) else { return nil }
        let index = Int(position), last = values.count - 1
        if index != last {
            values.swapAt(index, last)
            ids.swapAt(index, last)
            positions[ids[index]] = position
        }
        ids.removeLast()
        return values.removeLast()
    }

    /// Every record with its ID, in table order.
    var entries: Zip2Sequence<[BackendID], [BackendRecord]> {
        zip(ids, values)
    }
}
