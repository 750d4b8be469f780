import Foundation

/// Runs an external command (nginx -t, a reload command) with a deadline and captures its output.
///
/// Foundation's `Process` is enough here: two short commands per apply, no streaming.
public enum CommandRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let timedOut: Bool

        public var succeeded: Bool { status == 0 && !timedOut }

        /// The command's own words on one line, for logs and errors.
        public var summary: String {
            let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let text = lines.joined(separator: " | ")
            if timedOut { return "timed out" + (text.isEmpty ? "" : ": " + text) }
            return text.isEmpty ? "exit status \(status)" : text
        }
    }

    public static func run(_ argv: [String], timeout: Duration) async -> Result {
        guard let executable = argv.first else { return Result(status: 127, output: "empty command", timedOut: false) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(argv.dropFirst()) : argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let output = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        let watched = WatchedProcess(process)
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                process.terminationHandler = { _ in continuation.resume() }
                do {
                    try process.run()
                    watched.startWatchdog(after: timeout)
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            pipe.fileHandleForReading.readabilityHandler = nil
            return Result(status: 127, output: "cannot run \(executable): \(error.localizedDescription)", timedOut: false)
        }
        watched.stopWatchdog()
        pipe.fileHandleForReading.readabilityHandler = nil
        output.append(pipe.fileHandleForReading.readDataToEndOfFile())
        return Result(status: process.terminationStatus, output: output.text, timedOut: watched.timedOut)
    }
}

/// A running process with a watchdog that kills it when its time is up.
private final class WatchedProcess: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var watchdog: Task<Void, Never>?
    private var expired = false

    init(_ process: Process) {
        self.process = process
    }

    var timedOut: Bool { lock.withLock { expired } }

    func startWatchdog(after timeout: Duration) {
        let task = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            lock.withLock { expired = true }
            process.terminate()
            guard (try? await Task.sleep(for: .seconds(2))) != nil else { return }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        lock.withLock { watchdog = task }
    }

    func stopWatchdog() {
        lock.withLock { watchdog }?.cancel()
    }
}

/// Output gathered from a pipe's handler thread.
private final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.withLock { data.append(chunk) }
    }

    var text: String {
        lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
