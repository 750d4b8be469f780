import DequeModule
import Foundation
import PicketCore

/// The last few check results of every backend, with wall-clock times, for the status API's evidence.
/// Owned by the controller loop; bounded per backend.
struct RecentChecks {
    static let kept = 10
    private var checks: [BackendID: Deque<(Date, ProbeOutcome)>] = [:]

    mutating func record(_ report: ProbeReport, at date: Date) {
        // One hash lookup per check: thousands a second go through here.
        checks[report.backend, default: []].append((date, report.outcome), keepingLast: Self.kept)
    }

    /// Newest first, at most `limit`.
    func documents(for id: BackendID, limit: Int = kept) -> [CheckDocument] {
        (checks[id] ?? []).reversed().prefix(limit).map { CheckDocument($0.1, at: $0.0) }
    }

    /// Drops backends that no longer exist.
    mutating func forget(_ ids: [BackendID]) {
        for id in ids { checks[id] = nil }
    }
}

extension Deque {
    fileprivate mutating func append(_ element: Element, keepingLast limit: Int) {
        if count >= limit { removeFirst() }
        append(element)
    }
}
