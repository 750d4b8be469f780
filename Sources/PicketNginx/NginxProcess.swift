import Foundation

/// What the pid in nginx's pid file is, read from `/proc`, so Picket signals only a live nginx master.
///
/// A pid file outlives its process: after nginx is gone the pid can be reused by anything, and SIGHUP
/// terminates most programs. And a master that has exited but not been reaped (a zombie) still answers
/// `kill(pid, 0)`, which is not a reload that worked.
public enum NginxProcess: Equatable, Sendable {
    case master
    /// No such process, or a zombie.
    case notRunning(String)
    /// A live process that is not an nginx master; what its command line says.
    case stranger(String)

    /// Where `/proc` is missing (not Linux), only liveness can be checked.
    public static func inspect(_ pid: pid_t, proc: String = "/proc") -> NginxProcess {
        guard FileManager.default.fileExists(atPath: "\(proc)/self") else {
            return kill(pid, 0) == 0 || errno == EPERM ? .master : .notRunning("no such process")
        }
        guard let stat = read("\(proc)/\(pid)/stat") else { return .notRunning("no such process") }
        let state = stat.lastIndex(of: UInt8(ascii: ")")).flatMap { stat.dropFirst($0 + 2).first }
        if state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") { return .notRunning("a zombie: it has exited") }
        let words = (read("\(proc)/\(pid)/cmdline") ?? []).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let commandLine = words.joined(separator: " ")
        if commandLine.isEmpty { return .notRunning("exiting, or a kernel thread") }
        if commandLine.hasPrefix("nginx: master process") { return .master }
        if commandLine.hasPrefix("nginx: ") { return .stranger(commandLine) }
        let program = ((words.first ?? "") as NSString).lastPathComponent
        let executable = ((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/\(pid)/exe")) as NSString?)?.lastPathComponent
        if program.hasPrefix("nginx") || executable?.hasPrefix("nginx") == true { return .master }
        return .stranger(commandLine)
    }

    private static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }
}
