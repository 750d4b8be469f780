import HeapModule

/// The backends' next-probe timers, earliest first.
///
/// Nearly every timer is set about one interval ahead, for thousands of backends a second. In a heap
/// (swift-collections' min-max `Heap`), each pop walked a dozen levels of memory the rest of a check
/// had pushed out of the cache: ~2 % of a reused connection's check at 5,000 backends (perf). Here a
/// timer goes into a bucket of ~4 ms on a ring that reaches ~17 s ahead, and a bucket is sorted once,
/// when it becomes the head, so an insert is an append and a pop takes the head's last element. A timer
/// beyond the ring's reach (a long backoff) waits in a heap, which is checked beside the head.
///
/// Timers come out in `ProbeTimer` order, ties included, whatever order they went in.
struct ProbeTimers: Sendable {
    private static let bucketShift: Int64 = 22
    private static let bucketCount = 4096
    private static let mask = Int64(bucketCount - 1)

    private var buckets = [[ProbeTimer]](repeating: [], count: bucketCount)
    /// One bit per bucket that holds timers, to find the next head without visiting empty buckets.
    private var occupied = [UInt64](repeating: 0, count: bucketCount / 64)
    /// Timers beyond the ring's reach when they were set.
    private var far = Heap<ProbeTimer>()
    /// The tick (due time >> `bucketShift`) of the head bucket, the earliest that holds timers. Every
    /// timer on the ring is due at or after the head's tick and before `head + bucketCount`.
    private var head: Int64 = 0
    /// No timer on the ring is due after this tick.
    private var last: Int64 = 0
    /// The head's earliest timer; nil when the ring is empty.
    private var headMin: ProbeTimer?
    /// The head is sorted, latest first (so its earliest timer is taken from the end). A timer set into
    /// the head unsorts it until the next pop: a burst due at the same moment then costs one sort, not
    /// an insertion each.
    private var headSorted = true
    private var onRing = 0
    /// How many timers the last head held (a quarter more, at least four): the room a new bucket gets.
    private var lastHeadCount = 4

    var count: Int { onRing + far.count }

    /// The earliest timer.
    var min: ProbeTimer? {
        guard let soonest = far.min else { return headMin }
        return headMin.map { Swift.min($0, soonest) } ?? soonest
    }

    mutating func insert(_ timer: ProbeTimer) {
        let tick = timer.due.nanoseconds >> Self.bucketShift
        if onRing == 0 {
            (head, last) = (tick, tick)
        } else if tick < head {
            moveHead(back: tick)
        }
        guard tick - head < Int64(Self.bucketCount) else {
            far.insert(timer)
            return
        }
        last = Swift.max(last, tick)
        let position = Self.position(tick)
        // Room for as many as the last head held, so a bucket is allocated once, not grown by doubling.
        if buckets[position].isEmpty { buckets[position].reserveCapacity(lastHeadCount) }
        buckets[position].append(timer)
        occupied[position >> 6] |= Self.bit(position)
        onRing += 1
        if tick == head {
            headSorted = headSorted && buckets[position].count == 1
            headMin = headMin.map { Swift.min($0, timer) } ?? timer
        }
    }

    /// Takes the earliest timer out.
    mutating func popMin() -> ProbeTimer? {
        if let soonest = far.min, headMin.map({ soonest < $0 }) ?? true {
            return far.popMin()
        }
        guard headMin != nil else { return nil }
        let position = Self.position(head)
        if !headSorted {
            buckets[position].sort(by: >)
            headSorted = true
        }
        let timer = buckets[position].removeLast()
        onRing -= 1
        if buckets[position].isEmpty {
            empty(position)
            if onRing > 0 {
                advanceHead()
            } else {
                headMin = nil
            }
        } else {
            headMin = buckets[position].last
        }
        return timer
    }

    /// Moves the head to the next bucket that holds timers, and sorts it.
    private mutating func advanceHead() {
        var tick = head + 1
        while true {
            let position = Self.position(tick)
            let word = occupied[position >> 6] >> UInt64(position & 63)
            if word != 0 {
                tick += Int64(word.trailingZeroBitCount)
                break
            }
            tick += Int64(64 - (position & 63))
        }
        head = tick
        let position = Self.position(tick)
        lastHeadCount = Swift.max(4, buckets[position].count + buckets[position].count / 4)
        buckets[position].sort(by: >)
        headSorted = true
        headMin = buckets[position].last
    }

    /// Makes `tick`, before the head, the new head. Timers the ring would no longer reach from there go
    /// to the far heap: rare, as the head is the soonest timer and the ring reaches ~17 s past it.
    private mutating func moveHead(back tick: Int64) {
        let reach = tick + Int64(Self.bucketCount)
        if last >= reach {
            for beyond in stride(from: Swift.max(reach, head), through: last, by: 1) {
                let position = Self.position(beyond)
                guard occupied[position >> 6] & Self.bit(position) != 0 else { continue }
                for timer in buckets[position] { far.insert(timer) }
                onRing -= buckets[position].count
                empty(position)
            }
            last = reach - 1
        }
        head = tick
        headSorted = true
        headMin = nil
    }

    /// Marks a bucket empty. Its storage goes too: kept, 4,096 buckets of a few dozen timers each would
    /// hold megabytes at thousands of backends.
    private mutating func empty(_ position: Int) {
        buckets[position] = []
        occupied[position >> 6] &= ~Self.bit(position)
    }

    private static func position(_ tick: Int64) -> Int {
        Int(tick & mask)
    }

    /// The bucket's bit in its word of `occupied`.
    private static func bit(_ position: Int) -> UInt64 {
        1 << UInt64(position & 63)
    }
}
