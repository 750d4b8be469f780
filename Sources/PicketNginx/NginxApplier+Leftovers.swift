import Foundation

extension NginxApplier {
    /// Removes what an apply interrupted by a crash or `kill -9` leaves behind, and nothing else: the
    /// temporary files `AtomicFile` stages beside the output (`.upstreams.conf.picket-XXXXXX`), and the
    /// staged main config with its own temporary files beside nginx.conf. Meant for start-up, before
    /// this Picket applies anything; returns the paths removed.
    public func removeLeftovers() -> [String] {
        let output = URL(fileURLWithPath: settings.output)
        let main = URL(fileURLWithPath: settings.mainConfig)
        let staged = URL(fileURLWithPath: StagedConfig(mainConfig: settings.mainConfig, output: settings.output).stagedPath)
        let patterns: [(directory: String, matches: (String) -> Bool)] = [
            (output.deletingLastPathComponent().path, { Self.isTemporary($0, of: output.lastPathComponent) }),
            (main.deletingLastPathComponent().path, { $0 == staged.lastPathComponent || Self.isTemporary($0, of: staged.lastPathComponent) }),
        ]
        var removed: [String] = []
        for (directory, matches) in patterns {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where matches(name) {
                let path = "\(directory)/\(name)"
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 else { continue }
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
