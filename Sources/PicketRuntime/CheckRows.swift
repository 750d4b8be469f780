import PicketCore
import PicketStore

/// A batch's checks as the state writer takes them.
struct CheckRows {
    private(set) var rows: [CheckRow] = []
    private(set) var numbers: SlotNumbers
    private let writer: any StateWriting

    init(capacity: Int, numbers: SlotNumbers, writer: any StateWriting) {
        rows.reserveCapacity(capacity)
        self.numbers = numbers
        self.writer = writer
    }

    /// Adds a check made at `at` (epoch seconds).
    mutating func add(_ report: ProbeReport, at: Double) {
        let evidence = report.outcome.evidence
        rows.append(CheckRow(
            at: at, backend: numbers.number(report, writer: writer), passed: report.outcome.passed, failureClass: report.outcome.failureClass,
            latencyMs: evidence.latency?.milliseconds, status: evidence.statusCode))
    }
}

/// The writer's numbers of the backends, by the core's slot of each, so that a check finds its
/// backend's number without hashing its ID. A slot is given to another backend once its own is
/// removed, and a backend gets a new subject when the config changes, so an entry holds for one subject:
/// the identity is compared (a copy of the ID to compare would retain its strings, ~3 % of a check), and
/// the subject is kept, so that no other object takes its identity while the entry stands.
struct SlotNumbers {
    private struct Entry {
        var subject: ObjectIdentifier?
        var number: BackendNumber
    }

    private var entries: [Entry] = []
    private var subjects: [ProbeSubject?] = []

    mutating func number(_ report: ProbeReport, writer: any StateWriting) -> BackendNumber {
        let slot = Int(report.slot)
        let subject = ObjectIdentifier(report.subject)
        if slot >= 0, slot < entries.count, entries[slot].subject == subject { return entries[slot].number }
        let number = writer.number(report.backend)
        if slot >= 0 {
            if slot >= entries.count {
                entries += Array(repeating: Entry(subject: nil, number: number), count: slot + 1 - entries.count)
                subjects += Array(repeating: nil, count: slot + 1 - subjects.count)
            }
            entries[slot] = Entry(subject: subject, number: number)
            subjects[slot] = report.subject
        }
        return number
    }
}
