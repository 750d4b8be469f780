import PicketCore

/// A value kept per backend by the core's slot of the backend (`ProbeReport.slot`), so that a check
/// finds its backend's entry without hashing its ID: at thousands of checks a second, each hash of the
/// app's and the address's text was ~1 % of a check (perf).
///
/// A slot is given to another backend once its own is removed, and a backend gets a new subject when the
/// config changes, so an entry holds for one subject: the identity is compared (a copy of the ID to
/// compare would retain its strings, ~3 % of a check), and the subject is kept, so that no other object
/// takes its identity while the entry stands. A report that names no slot (not from the core) has no
/// entry.
struct SlotTable<Value> {
    fileprivate struct Entry {
        var subject: ObjectIdentifier?
        var value: Value?
    }

    private var entries: [Entry] = []
    private var subjects: [ProbeSubject?] = []

    /// Runs `body` on the value of the report's slot. When the slot holds no value for this subject,
    /// `make` gives one first, told the subject and the value the slot held (none, an earlier subject
    /// of the same backend, or another backend once that one was removed). nil for a report without a slot.
    mutating func update<Result>(
        _ report: ProbeReport, make: (_ previous: ProbeSubject?, _ value: Value?) -> Value, _ body: (inout Value) -> Result
    ) -> Result? {
        let slot = Int(report.slot)
        guard slot >= 0 else { return nil }
        let subject = ObjectIdentifier(report.subject)
        if slot >= entries.count {
            entries += Array(repeating: Entry(), count: slot + 1 - entries.count)
            subjects += Array(repeating: nil, count: slot + 1 - subjects.count)
        }
        if entries[slot].subject != subject {
            let previous = entries[slot].value
            entries[slot].value = nil
            entries[slot].value = make(subjects[slot], previous)
            entries[slot].subject = subject
            subjects[slot] = report.subject
        }
        return body(&entries[slot].value!)
    }

    /// The value in `slot`, if it holds one for a subject of `backend`.
    func value(inSlot slot: Int32, of backend: BackendID) -> Value? {
        guard slot >= 0, Int(slot) < entries.count, subjects[Int(slot)]?.backend == backend else { return nil }
        return entries[Int(slot)].value
    }

    /// Empties `slot` (its backend was removed).
    mutating func clear(slot: Int32) {
        guard slot >= 0, Int(slot) < entries.count else { return }
        entries[Int(slot)] = Entry()
        subjects[Int(slot)] = nil
    }
}

extension SlotTable: Sendable where Value: Sendable {}
extension SlotTable.Entry: Sendable where Value: Sendable {}
