/// The reactor's connection slots, at addresses that never move.
///
/// A check reads and writes its slot a few dozen times. Kept in an array property of the reactor,
/// every one of those was a run-time exclusivity check and a uniqueness check of the array's buffer
/// (~2 % of a reused connection's check at 5,000 backends, perf). Here the slots live in chunks that are
/// never moved or freed while the reactor lives, found through a directory fixed at start, so a slot is
/// reached through a pointer with neither check.
///
/// Confined to the engine's thread, like the reactor. At most `capacity` slots: the reactor bounds its
/// checks under way and its idle connections to half of it each.
final class ConnectionSlots {
    private static let chunkShift = 8
    private static let chunkSize = 1 << chunkShift
    private static let chunks = 4096
    static let capacity = chunks * chunkSize

    private let directory: UnsafeMutablePointer<UnsafeMutablePointer<ConnectionSlot>?>
    private(set) var count = 0

    init() {
        directory = .allocate(capacity: Self.chunks)
        directory.initialize(repeating: nil, count: Self.chunks)
    }

    deinit {
        for chunk in 0..<Self.chunks {
            guard let slots = directory[chunk] else { break }
            slots.deinitialize(count: min(Self.chunkSize, count - chunk * Self.chunkSize))
            slots.deallocate()
        }
        directory.deallocate()
    }

    /// The slot at `index`, which `append` handed out.
    @inline(__always)
    subscript(index: Int32) -> UnsafeMutablePointer<ConnectionSlot> {
        directory[Int(index) >> Self.chunkShift].unsafelyUnwrapped + (Int(index) & (Self.chunkSize - 1))
    }

    /// A new slot's index.
    func append() -> Int32 {
        precondition(count < Self.capacity, "more connection slots than the reactor allows")
        let chunk = count >> Self.chunkShift
        if directory[chunk] == nil { directory[chunk] = .allocate(capacity: Self.chunkSize) }
        (directory[chunk].unsafelyUnwrapped + (count & (Self.chunkSize - 1))).initialize(to: ConnectionSlot())
        count += 1
        return Int32(count - 1)
    }
}
