import Foundation

/// Makes a swap of several files old-or-new as a whole across a crash, which renames alone cannot:
/// before the first rename, the list of renames and removals is written durably beside the http output;
/// after the last, it is removed. A Picket killed in between finds the list on its next start and
/// finishes it (`finish`): every staged file it names was validated with the others, so rolling forward
/// gives exactly the new set, where rolling back would need the old bytes the renames overwrote.
///
/// The list is NUL-separated (`m`, staged, live for a rename; `r`, live for a removal): paths hold
/// anything but NUL.
struct SwapJournal {
    let path: String

    init(besides output: String) {
        let url = URL(fileURLWithPath: output)
        path = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).picket-swap").path
    }

    /// Moves each staged file over its live path and removes `removals`, journalled when more than one
    /// file changes (a single rename is atomic by itself).
    func commit(_ moves: [(staged: String, live: String)], removing removals: [String]) throws(FileError) {
        let journalled = moves.count + removals.count > 1
        if journalled { try record(moves, removing: removals) }
        for (index, move) in moves.enumerated() {
            do {
                try AtomicFile.install(staged: move.staged, at: move.live)
            } catch {
                for later in moves[(index + 1)...] { unlink(later.staged) }
                if journalled { AtomicFile.remove(path) }
                throw error
            }
        }
        for removal in removals { AtomicFile.remove(removal) }
        if journalled { AtomicFile.remove(path) }
    }

    /// Writes the list durably: from here on, the swap is as good as done.
    func record(_ moves: [(staged: String, live: String)], removing removals: [String]) throws(FileError) {
        var record: [UInt8] = []
        for move in moves { record += field("m") + field(move.staged) + field(move.live) }
        for removal in removals { record += field("r") + field(removal) }
        try AtomicFile.replace(path, with: record)
    }

    /// Completes a swap a crash interrupted, if there is one; returns the live paths it completed.
    func finish() -> [String]? {
        guard let bytes = try? AtomicFile.read(path) else { return nil }
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        var completed: [String] = []
        var index = 0
        while index < fields.count {
            switch fields[index] {
            case "m" where index + 2 < fields.count:
                let (staged, live) = (fields[index + 1], fields[index + 2])
                if FileManager.default.fileExists(atPath: staged), (try? AtomicFile.install(staged: staged, at: live)) != nil { completed.append(live) }
                index += 3
            case "r" where index + 1 < fields.count:
                if FileManager.default.fileExists(atPath: fields[index + 1]) {
                    AtomicFile.remove(fields[index + 1])
                    completed.append(fields[index + 1])
                }
                index += 2
            default:
                index += 1
            }
        }
        AtomicFile.remove(path)
        return completed
    }

    private func field(_ text: String) -> [UInt8] {
        Array(text.utf8) + [0]
    }
}
