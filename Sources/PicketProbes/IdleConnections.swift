/// The idle keep-alive connection of each backend (connection reuse), by the slot of the core's record
/// its checks name: an array entry instead of a dictionary keyed by the app's and the address's text,
/// whose hashing, probing and deletes were ~5 % of a reused connection's check at 5,000 backends (perf).
/// The entry keeps the whole key: a slot the core has given to another backend since does not lead to
/// the first one's connection (that one is no longer found, and closes when its idle deadline comes).
/// A check that names no slot (it did not come from the core) is found by its backend and target.
struct IdleConnections {
    private struct Entry {
        let key: ReuseKey
        let index: Int32
    }

    private var bySlot: [Entry?] = []
    private var byKey: [ReuseKey: Int32] = [:]
    private(set) var count = 0

    /// Takes `key`'s idle connection (the reactor's slot index), if it has one.
    mutating func take(_ key: ReuseKey) -> Int32? {
        guard key.slot >= 0 else {
            guard let index = byKey.removeValue(forKey: key) else { return nil }
            count -= 1
            return index
        }
        guard Int(key.slot) < bySlot.count, let entry = bySlot[Int(key.slot)], entry.key == key else { return nil }
        bySlot[Int(key.slot)] = nil
        count -= 1
        return entry.index
    }

    /// Keeps `index` as `key`'s idle connection; false, keeping nothing, when it already has one.
    mutating func keep(_ index: Int32, for key: ReuseKey) -> Bool {
        guard key.slot >= 0 else {
            guard byKey[key] == nil else { return false }
            byKey[key] = index
            count += 1
            return true
        }
        let slot = Int(key.slot)
        if slot >= bySlot.count { bySlot.append(contentsOf: repeatElement(nil, count: slot + 1 - bySlot.count)) }
        if let held = bySlot[slot] {
            guard held.key != key else { return false }
            count -= 1  // another backend's, from before the core gave the slot away
        }
        bySlot[slot] = Entry(key: key, index: index)
        count += 1
        return true
    }

    /// Forgets `index` if it is `key`'s idle connection (it closed).
    mutating func remove(_ index: Int32, for key: ReuseKey) {
        guard key.slot >= 0 else {
            if byKey[key] == index {
                byKey[key] = nil
                count -= 1
            }
            return
        }
        guard Int(key.slot) < bySlot.count, let held = bySlot[Int(key.slot)], held.index == index, held.key == key else { return }
        bySlot[Int(key.slot)] = nil
        count -= 1
    }
}
