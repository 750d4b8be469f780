import PicketCore

/// One check as the raw window keeps it.
struct PackedCheck: Equatable {
    let at: Double
    let backend: Int64
    let passed: Bool
    let failureClass: FailureClass?
    let latencyMs: Double?
    let status: Int?
}

/// The checks of one app from one flush, packed into the blob of one `recent_checks` row: the raw
/// window costs one insert per app a second instead of one per check. Each check is its time (8
/// bytes), its backend's id, a flags byte (passed, failure class, which fields follow), its latency (8
/// bytes) and its status code, when it has them: about 20 bytes.
enum PackedChecks {
    private static let passedFlag: UInt8 = 1
    private static let latencyFlag: UInt8 = 1 << 5
    private static let statusFlag: UInt8 = 1 << 6
    private static let classes = FailureClass.allCases

    static func append(_ check: PackedCheck, to bytes: inout [UInt8]) {
        Varint.appendDouble(check.at, to: &bytes)
        Varint.append(UInt64(check.backend), to: &bytes)
        var flags: UInt8 = check.passed ? passedFlag : 0
        if let failureClass = check.failureClass, let index = classes.firstIndex(of: failureClass) { flags |= UInt8(index + 1) << 1 }
        if check.latencyMs != nil { flags |= latencyFlag }
        if check.status != nil { flags |= statusFlag }
        bytes.append(flags)
        if let latency = check.latencyMs { Varint.appendDouble(latency, to: &bytes) }
        if let status = check.status { Varint.append(UInt64(clamping: max(0, status)), to: &bytes) }
    }

    /// Calls `body` with each check in `bytes`; false when the bytes are not packed checks.
    static func unpack(_ bytes: [UInt8], _ body: (PackedCheck) -> Void) -> Bool {
        var reader = Varint.Reader(bytes)
        while !reader.atEnd {
            guard let at = reader.nextDouble(), let backend = reader.next(), let flags = reader.nextByte() else { return false }
            let classIndex = Int((flags >> 1) & 0x0f)
            guard classIndex <= classes.count else { return false }
            var latency: Double?
            var status: Int?
            if flags & latencyFlag != 0 {
                guard let value = reader.nextDouble() else { return false }
                latency = value
            }
            if flags & statusFlag != 0 {
                guard let value = reader.next() else { return false }
                status = Int(value)
            }
            body(PackedCheck(
                at: at, backend: Int64(backend), passed: flags & passedFlag != 0, failureClass: classIndex == 0 ? nil : classes[classIndex - 1],
                latencyMs: latency, status: status))
        }
        return true
    }
}

/// One app's checks of one flush, packed as they come: the blob of its `recent_checks` row, with the
/// row's count and time span.
struct PackedBatch {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0
    private(set) var first = Double.infinity
    private(set) var last = -Double.infinity

    mutating func append(_ check: PackedCheck) {
        if bytes.isEmpty { bytes.reserveCapacity(4096) }
        PackedChecks.append(check, to: &bytes)
        count += 1
        first = min(first, check.at)
        last = max(last, check.at)
    }
}
