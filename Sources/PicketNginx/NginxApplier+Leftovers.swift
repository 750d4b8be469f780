import Foundation

extension NginxApplier {
    /// What finishing an interrupted swap did.
    public struct FinishedSwap: Sendable {
        /// The files it renamed into place or removed.
        public let files: [String]
        /// Why nginx could not be reloaded (it may not run yet); nil when it was.
        public let reloadError: ApplyError?
    }

    /// Finishes a swap of several files that a crash or `kill -9` interrupted (see `SwapJournal`), so
    /// the files on disk are one validated set again, then gives nginx the reload that swap was for; nil
    /// when there was none. Meant for start-up, before `removeLeftovers` (which would take the staged
    /// files the swap still needs).
    public func finishInterruptedSwap() async -> FinishedSwap? {
        guard let files = journal.finish() else { return nil }
        do {
            try await reload()
            return FinishedSwap(files: files, reloadError: nil)
        } catch {
            return FinishedSwap(files: files, reloadError: error)
        }
    }

    /// Removes what an apply interrupted by a crash or `kill -9` leaves behind, and nothing else: the
    /// temporary files `AtomicFile` stages beside each output (`.upstreams.conf.picket-XXXXXX`), and the
    /// staged main config with its own temporary files beside nginx.conf. Meant for start-up, before
    /// this Picket applies anything; returns the paths removed.
    public func removeLeftovers() -> [String] {
        let main = URL(fileURLWithPath: settings.mainConfig)
        let staged = URL(fileURLWithPath: self.staged.stagedPath)
        var patterns: [(directory: String, matches: (String) -> Bool)] = [
            (main.deletingLastPathComponent().path, { $0 == staged.lastPathComponent || Self.isTemporary($0, of: staged.lastPathComponent) })
        ]
        for output in contextOutputs.map(\.path) {
            let url = URL(fileURLWithPath: output)
            patterns.append((url.deletingLastPathComponent().path, { Self.isTemporary($0, of: url.lastPathComponent) }))
        }
        if let directory = settings.outputPerApp {
            patterns.append((directory, { name in
                guard name.hasPrefix("."), let range = name.range(of: ".conf.picket-", options: .backwards) else { return false }
                return Self.isTemporary(name, of: String(name[name.index(after: name.startIndex)..<range.lowerBound]) + ".conf")
            }))
        }
        var removed: [String] = []
        for (directory, matches) in patterns {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where matches(name) {
                let path = "\(directory)/\(name)"
                var info = stat()
                guard !removed.contains(path), lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 else { continue }
                removed.append(path)
            }
        }
        return removed
    }

    /// `.NAME.picket-XXXXXX`, the `mkstemp` pattern of `AtomicFile.stage`.
    static func isTemporary(_ name: String, of file: String) -> Bool {
        let prefix = ".\(file).picket-"
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.dropFirst(prefix.count)
        return suffix.count == 6 && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
