import Foundation

extension NginxApplier {
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
