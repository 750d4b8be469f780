import PicketCore

/// A backend as check rows name it: a number given once per backend for the life of the writer, never
/// to another, so that a row is plain data. Rows that held a `BackendID` retained its strings at every
/// copy and were found by hashing it (~2 % of a reused connection's check, perf); a number is copied as
/// is and found by index. `StateWriting.number(_:)` hands them out.
public struct BackendNumber: Hashable, Sendable {
    public let value: Int32

    init(_ value: Int) {
        self.value = Int32(value)
    }
}

/// The backends numbered so far. Only ever grows: a backend removed and added again keeps its number,
/// so the table holds each backend seen once (~100 bytes each).
struct BackendNumbering: Sendable {
    private var numbers: [BackendID: BackendNumber] = [:]
    /// Each number's backend, by number.
    private(set) var backends: [BackendID] = []

    mutating func number(_ backend: BackendID) -> BackendNumber {
        if let number = numbers[backend] { return number }
        let number = BackendNumber(backends.count)
        numbers[backend] = number
        backends.append(backend)
        return number
    }
}
