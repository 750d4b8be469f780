import Foundation
import PicketCore

/// The last few check results of every backend, with wall-clock times, for the status API's evidence.
/// Owned by the controller loop; bounded per backend. Kept by the core's slot of each backend, so a check
/// hashes nothing on its way in (`SlotTable`).
struct RecentChecks {
    static let kept = 10
    private var bySlot = SlotTable<Ring>()
    /// The slot each backend's checks went to last, to forget them when the backend goes.
    private var slots: [BackendID: Int32] = [:]
    /// Checks that named no slot (they did not come from the core's schedule).
    private var unslotted: [BackendID: Ring] = [:]

    mutating func record(_ report: ProbeReport, at date: Date) {
        let item = (date, CheckSummary(report.outcome))
        var claimed = false
        let kept: Void? = bySlot.update(report, make: { previous, ring in
            // A new subject of the same backend (its config changed) keeps the backend's checks.
            if let previous, let ring, previous.backend == report.backend { return ring }
            claimed = true
            return Ring()
        }) { $0.append(item) }
        if claimed { slots[report.backend] = report.slot }
        if kept == nil { unslotted[report.backend, default: Ring()].append(item) }
    }

    /// Newest first, at most `limit`: the checks of the backend `id`, which the core keeps in `slot`.
    func documents(for id: BackendID, slot: Int32, limit: Int = kept) -> [CheckDocument] {
        let ring = bySlot.value(inSlot: slot, of: id) ?? unslotted[id]
        return (ring?.newestFirst ?? []).prefix(limit).map { CheckDocument($0.1, at: $0.0) }
    }

    /// Drops backends that no longer exist.
    mutating func forget(_ ids: [BackendID]) {
        for id in ids {
            if let slot = slots.removeValue(forKey: id), bySlot.value(inSlot: slot, of: id) != nil { bySlot.clear(slot: slot) }
            unslotted[id] = nil
        }
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
