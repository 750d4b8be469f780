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

/// The writer's numbers of the backends, by the core's slot of each (`SlotTable`): a check finds its
/// backend's number without hashing its ID.
struct SlotNumbers {
    private var table = SlotTable<BackendNumber>()

    mutating func number(_ report: ProbeReport, writer: any StateWriting) -> BackendNumber {
        table.update(report, make: { _, _ in writer.number(report.backend) }) { $0 } ?? writer.number(report.backend)
    }
}
