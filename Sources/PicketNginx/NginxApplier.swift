import Foundation
import PicketCore

/// Installs rendered upstream text into nginx: skip if unchanged, validate a staged candidate, swap the
/// file atomically, reload, confirm nginx lives, and put the old bytes back if the reload fails.
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
        public var bytes: Int
        public var validation: Duration?
        public var reload: Duration?
        public var total: Duration
    }

    /// Checks, before any apply, that the main config includes the output file.
    public func verifySetup() throws(ApplyError) {
        _ = try StagedConfig(mainConfig: settings.mainConfig, output: settings.output).substitute(candidate: settings.output)
    }

    /// Whether the output file exists at all (at start, nginx may need a first file before it can run).
    public var outputExists: Bool {
        FileManager.default.fileExists(atPath: settings.output)
    }

    /// Installs `text`; `reload: false` only writes (the first file, before nginx runs).
    public func apply(_ text: String, reload shouldReload: Bool = true) async -> Report {
        let clock = ContinuousClock()
        let start = clock.now
        let bytes = Array(text.utf8)
        var report = Report(outcome: .unchanged, bytes: bytes.count, total: .zero)
        await install(bytes, reload: shouldReload, clock: clock, into: &report)
        report.total = clock.now - start
        return report
    }

    private func install(_ bytes: [UInt8], reload shouldReload: Bool, clock: ContinuousClock, into report: inout Report) async {
        do {
            let previous = try AtomicFile.read(settings.output)
            guard previous != bytes else { return }
            let candidate = try AtomicFile.stage(bytes, besides: settings.output)
            let validationStart = clock.now
            do {
                try await validate(candidate: candidate)
            } catch {
                unlink(candidate)
                throw error
            }
            report.validation = clock.now - validationStart
            try AtomicFile.install(staged: candidate, at: settings.output)
            guard shouldReload else {
                report.outcome = .applied
                return
            }
            let reloadStart = clock.now
            do {
                try await reload()
            } catch {
                if let previous { try? AtomicFile.replace(settings.output, with: previous) }
                throw error
            }
            report.reload = clock.now - reloadStart
            report.outcome = .applied
        } catch let error as ApplyError {
            report.outcome = .failed(error)
        } catch let error as FileError {
            report.outcome = .failed(.file(error))
        } catch {
            report.outcome = .failed(.setup("\(error)"))
        }
    }

    /// Runs the test command against a staged main config that includes `candidate`.
    func validate(candidate: String) async throws(ApplyError) {
        let staged = StagedConfig(mainConfig: settings.mainConfig, output: settings.output)
        let text = try staged.substitute(candidate: candidate)
        do {
            try AtomicFile.replace(staged.stagedPath, with: Array(text.utf8))
        } catch {
            throw ApplyError.file(error)
        }
        defer { unlink(staged.stagedPath) }
        let argv = settings.testCommand.map { $0.replacingOccurrences(of: NginxSettings.configPlaceholder, with: staged.stagedPath) }
        let result = await CommandRunner.run(argv, timeout: settings.commandTimeout)
        guard result.succeeded else {
            throw ApplyError.validation(
                result.summary.replacingOccurrences(of: candidate, with: settings.output + " (candidate)"),
                candidateLine: Self.blamedLine(in: result.summary, file: candidate))
        }
    }

    /// The line of `file` that nginx's message points at (`… in FILE:LINE`), if any.
    static func blamedLine(in message: String, file: String) -> Int? {
        guard let range = message.range(of: file + ":") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }

    /// Reloads nginx by command or SIGHUP, then confirms the master process is still alive. The pid is
    /// checked to be a live nginx master before it is signalled: a stale pid file must never make
    /// Picket SIGHUP a stranger.
    func reload() async throws(ApplyError) {
        if settings.reloadCommand == nil, let pidFile = settings.pidFile {
            let pid = try master(pidFile, when: "before the reload")
            guard kill(pid, SIGHUP) == 0 else { throw ApplyError.reload("cannot signal nginx master \(pid): \(String(cString: strerror(errno)))") }
        }
        if let command = settings.reloadCommand {
            let result = await CommandRunner.run(command, timeout: settings.commandTimeout)
            guard result.succeeded else { throw ApplyError.reload("\(command.joined(separator: " ")): \(result.summary)") }
        }
        if let pidFile = settings.pidFile { _ = try master(pidFile, when: "after the reload") }
    }

    /// The pid in `pidFile`, if it is a live nginx master.
    private func master(_ pidFile: String, when: String) throws(ApplyError) -> pid_t {
        let pid = try masterPID(pidFile)
        switch NginxProcess.inspect(pid) {
        case .master:
            return pid
        case .notRunning(let why):
            throw ApplyError.reload("nginx master \(pid) from \(pidFile) is not running \(when) (\(why)); is nginx running?")
        case .stranger(let commandLine):
            throw ApplyError.reload(
                "pid \(pid) in \(pidFile) is not an nginx master but '\(commandLine.prefix(120))' (a stale pid file?); not signalled. Is nginx running?")
        }
    }

    private func masterPID(_ pidFile: String) throws(ApplyError) -> pid_t {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else {
            throw ApplyError.reload("cannot read nginx's pid from \(pidFile): is nginx running?")
        }
        return pid
    }
}
