import Foundation
import PicketCore

/// Installs rendered upstream files into nginx as one change: skip the files whose bytes are already
/// live, validate every candidate together in one staged `nginx -t`, swap them all (journalled, see
/// `SwapJournal`), reload once, confirm nginx lives, and put every old file back if the reload fails.
public struct NginxApplier: Sendable {
    public let settings: NginxSettings

    public init(settings: NginxSettings) {
        self.settings = settings
    }

    /// What an apply did and how long each stage took.
    public struct Report: Sendable {
        public enum Outcome: Sendable {
            case unchanged
            case applied
            case failed(ApplyError)
        }

        public var outcome: Outcome
        /// The bytes of the whole set.
        public var bytes: Int
        /// Files written or removed.
        public var files: Int
        public var validation: Duration?
        public var reload: Duration?
        public var total: Duration
    }

    var journal: SwapJournal { SwapJournal(besides: settings.output) }
    var staged: StagedConfig { StagedConfig(mainConfig: settings.mainConfig) }

    /// The outputs nginx.conf must include, by context.
    var contextOutputs: [(context: NginxContext, path: String)] {
        NginxContext.allCases.compactMap { context in settings.contextOutput(context).map { (context, $0) } }
    }

    /// Where the main config fails to include an output: each context in `required` (those with apps)
    /// must be included inside its own block, and none may be included inside the other.
    public func includeProblems(required: Set<NginxContext> = [.http]) -> [IncludeProblem] {
        staged.includeProblems(contextOutputs, required: required)
    }

    /// Whether every file of `outputs` exists (at start, nginx may need first files before it can run).
    public func allExist(_ outputs: OutputSet) -> Bool {
        outputs.files.allSatisfy { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Installs `outputs`; `reload: false` only writes (the first files, before nginx runs).
    public func apply(_ outputs: OutputSet, reload shouldReload: Bool = true) async -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        var report = Report(outcome: .unchanged, bytes: outputs.files.reduce(0) { $0 + $1.text.utf8.count }, files: 0, total: .zero)
        do {
            try await install(outputs, reload: shouldReload, clock: clock, into: &report)
        } catch let error as ApplyError {
            report.outcome = .failed(error)
        } catch let error as FileError {
            report.outcome = .failed(.file(error))
        } catch {
            report.outcome = .failed(.setup("\(error)"))
        }
        report.total = clock.now - start
        return report
    }

    /// One file's change: its bytes before (nil: it did not exist) and after (nil: removed).
    struct Change {
        let path: String
        let previous: [UInt8]?
        let next: [UInt8]?
    }

    private func install(_ outputs: OutputSet, reload shouldReload: Bool, clock: ContinuousClock, into report: inout Report) async throws {
        let changes = try self.changes(outputs)
        guard !changes.isEmpty else { return }
        if let directory = outputs.appDirectory, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var candidates: [String: String] = [:]
        do {
            for change in changes {
                guard let next = change.next else { continue }
                candidates[change.path] = try AtomicFile.stage(next, besides: change.path)
            }
            let validationStart = clock.now
            try await validate(outputs, candidates: candidates)
            report.validation = clock.now - validationStart
        } catch {
            for candidate in candidates.values { unlink(candidate) }
            throw error
        }
        let moves = changes.compactMap { change in candidates[change.path].map { (staged: $0, live: change.path) } }
        do {
            try journal.commit(moves, removing: changes.filter { $0.next == nil }.map(\.path))
        } catch {
            try? restore(changes)
            throw error
        }
        report.files = changes.count
        guard shouldReload else {
            report.outcome = .applied
            return
        }
        let reloadStart = clock.now
        do {
            try await reload()
        } catch {
            try? restore(changes)
            throw error
        }
        report.reload = clock.now - reloadStart
        report.outcome = .applied
    }

    /// The files whose bytes differ from what is live, and the app files of apps that are gone.
    func changes(_ outputs: OutputSet) throws(FileError) -> [Change] {
        var changes: [Change] = []
        for file in outputs.files {
            let next = Array(file.text.utf8)
            let previous = try AtomicFile.read(file.path)
            if previous != next { changes.append(Change(path: file.path, previous: previous, next: next)) }
        }
        guard let directory = outputs.appDirectory else { return changes }
        let wanted = Set(outputs.files.map(\.path))
        let marker = Array(outputs.marker.utf8)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".conf") && !name.hasPrefix(".") {
            let path = "\(directory)/\(name)"
            guard !wanted.contains(path), let bytes = try? AtomicFile.read(path), bytes.starts(with: marker) else { continue }
            changes.append(Change(path: path, previous: bytes, next: nil))
        }
        return changes
    }

    /// Puts every changed file back as it was, as one journalled swap.
    private func restore(_ changes: [Change]) throws(FileError) {
        var moves: [(staged: String, live: String)] = []
        for change in changes {
            guard let previous = change.previous else { continue }
            moves.append((try AtomicFile.stage(previous, besides: change.path), change.path))
        }
        try journal.commit(moves, removing: changes.filter { $0.previous == nil }.map(\.path))
    }
}
