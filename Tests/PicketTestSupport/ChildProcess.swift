import Foundation
import PicketNginx

/// A child process with its output in a file: the `picket` binary running as in production (optionally
/// under an open-file limit), for tests that kill it, starve it or attack it, or a stand-in process.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let logPath: String
    private var exitStatus: Int32?

    /// The binary built beside the test bundle.
    public static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("picket").path

    /// Starts `picket ARGUMENTS`; `openFiles` sets the soft and hard RLIMIT_NOFILE it starts with.
    public static func picket(_ arguments: [String], logPath: String, openFiles: (soft: Int, hard: Int)? = nil) throws -> ChildProcess {
        try ChildProcess([binary] + arguments, logPath: logPath, openFiles: openFiles)
    }

    /// Starts `argv`.
    public init(_ argv: [String], logPath: String, openFiles: (soft: Int, hard: Int)? = nil) throws {
        self.logPath = logPath
        let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var argv = argv
        if let openFiles {
            argv = ["/bin/sh", "-c", "ulimit -S -n \(openFiles.soft) && ulimit -H -n \(openFiles.hard) && exec \"$0\" \"$@\""] + argv
        }
        guard let pid = CommandRunner.launch(argv, output: fd) else { throw POSIXError(.ENOEXEC) }
        self.pid = pid
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func logContains(_ text: String) -> Bool { log.contains(text) }

    /// Descriptors the process holds now.
    public var openDescriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0 }

    public var isRunning: Bool { reap() == nil }

    public func signal(_ signal: Int32) {
        if isRunning { Glibc.kill(pid, signal) }
    }

    /// The exit status (128 + signal when killed), or nil if it has not exited within `timeout`.
    public func wait(timeout: Duration) async -> Int32? {
        _ = await eventually(timeout: timeout, every: .milliseconds(20)) { self.reap() != nil }
        return reap()
    }

    /// SIGKILL, which leaves no chance to flush or clean up; returns once the process is gone.
    public func kill() {
        guard reap() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid { exitStatus = 128 + SIGKILL }
    }

    /// Stops the process (SIGTERM, then SIGKILL) and returns its exit status.
    @discardableResult
    public func stop() async -> Int32? {
        signal(SIGTERM)
        if let status = await wait(timeout: .seconds(10)) { return status }
        signal(SIGKILL)
        return await wait(timeout: .seconds(5))
    }

    /// The exit status once the process has exited (reaping it), else nil.
    private func reap() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return exitStatus
    }
}
