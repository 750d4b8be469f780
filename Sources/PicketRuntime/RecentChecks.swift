import Foundation
import PicketCore

/// The last few check results of every backend, with wall-clock times, for the status API's evidence.
/// Owned by the controller loop; bounded per backend.
struct RecentChecks {
    static let kept = 10
    private var checks: [BackendID: Ring] = [:]

    mutating func record(_ report: ProbeReport, at date: Date) {
        // One hash lookup per check, changed in place: thousands a second go through here.
        checks[report.backend, default: Ring()].append((date, CheckSummary(report.outcome)))
    }

    /// Newest first, at most `limit`.
    func documents(for id: BackendID, limit: Int = kept) -> [CheckDocument] {
        (checks[id]?.newestFirst ?? []).prefix(limit).map { CheckDocument($0.1, at: $0.0) }
    }

    /// Drops backends that no longer exist.
    mutating func forget(_ ids: [BackendID]) {
        for id in ids { checks[id] = nil }
    }
}

/// The last `RecentChecks.kept` checks of one backend: once full, each check overwrites the oldest, with
/// no shifting and no allocation. Its storage is allocated once at its full size (grown by appends, it
/// would end at 16 slots for 10).
private struct Ring {
    private var items: [(Date, CheckSummary)] = []
    private var oldest = 0

    mutating func append(_ item: (Date, CheckSummary)) {
        guard items.count == RecentChecks.kept else {
            if items.isEmpty { items.reserveCapacity(RecentChecks.kept) }
            items.append(item)
            return
        }
        items[oldest] = item
        oldest = (oldest + 1) % items.count
    }

    var newestFirst: [(Date, CheckSummary)] {
        Array((items[oldest...] + items[..<oldest]).reversed())
    }
}
