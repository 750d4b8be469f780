import Foundation

/// Runs an external command (nginx -t, a reload command) with a deadline and captures its output.
///
/// posix_spawn with output sent to an unlinked temporary file, every other descriptor closed, and a
/// blocking `waitpid` off the cooperative pool: a pipe would never reach EOF when the command starts a
/// daemon that inherits it (`nginx` itself does), and Foundation's `Process` waits on exactly that;
/// an inherited socket would keep Picket's ports open inside nginx.
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
        guard !argv.isEmpty else { return Result(status: 127, output: "empty command", timedOut: false) }
        var outputTemplate = Array("/tmp/picket-command-XXXXXX".utf8CString)
        let outputFD = outputTemplate.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard outputFD >= 0 else { return Result(status: 127, output: "cannot create a file for the command's output", timedOut: false) }
        unlink(cString(outputTemplate))
        defer { close(outputFD) }

        let pid: pid_t
        switch spawn(argv, output: outputFD) {
        case .success(let spawned): pid = spawned
        case .failure(let message): return Result(status: 127, output: message, timedOut: false)
        }
        let watchdog = Watchdog(pid: pid, timeout: timeout)
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        watchdog.cancel()
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitCode, output: readAll(outputFD), timedOut: watchdog.fired)
    }

    /// Starts `argv` with standard output and error on `output` and every other descriptor closed, and
    /// returns its pid without waiting: for callers that watch a long-running process themselves.
    public static func launch(_ argv: [String], output: Int32) -> pid_t? {
        guard !argv.isEmpty, case .success(let pid) = spawn(argv, output: output) else { return nil }
        return pid
    }

    private enum Spawn {
        case success(pid_t)
        case failure(String)
    }

    private static func spawn(_ argv: [String], output: Int32) -> Spawn {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        closeInheritedDescriptors(&actions)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
        guard result == 0 else { return .failure("cannot run \(argv[0]): \(String(cString: strerror(result)))") }
        return .success(pid)
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Every descriptor above stderr is closed in the child: glibc's `addclosefrom_np` where it exists
    /// (looked up at run time, it is not in the Swift overlay), else one close per open descriptor.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    private static func readAll(_ fd: Int32) -> String {
        lseek(fd, 0, SEEK_SET)
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Kills a command that outlives its deadline: SIGTERM, then SIGKILL two seconds later.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var expired = false
    private var task: Task<Void, Never>?

    init(pid: pid_t, timeout: Duration) {
        task = Task { [self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            lock.withLock { expired = true }
            kill(pid, SIGTERM)
            guard (try? await Task.sleep(for: .seconds(2))) != nil else { return }
            kill(pid, SIGKILL)
        }
    }

    var fired: Bool { lock.withLock { expired } }

    func cancel() { task?.cancel() }
}
