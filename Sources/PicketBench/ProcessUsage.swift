import Foundation

/// Readings of another process from /proc: CPU time (all threads, user + system) and memory.
struct ProcessUsage {
    let pid: Int32

    /// User and system CPU time so far, from /proc/PID/stat (clock ticks, 10 ms on Linux).
    func cpuTimes() -> CPUTimes {
        let text = procFile("/proc/\(pid)/stat")
        guard let close = text.lastIndex(of: ")") else { return CPUTimes(user: .zero, system: .zero) }
        // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return CPUTimes(user: .zero, system: .zero) }
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return CPUTimes(user: .microseconds(user * 1_000_000 / ticks), system: .microseconds(system * 1_000_000 / ticks))
    }

    /// Resident and peak resident memory in MiB.
    func memory() -> (rss: Double, peak: Double) {
        let status = procFile("/proc/\(pid)/status")
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }
}

/// CPU time spent in the process itself and in the kernel on its behalf.
struct CPUTimes {
    var user: Duration
    var system: Duration
    var total: Duration { user + system }

    static func - (lhs: CPUTimes, rhs: CPUTimes) -> CPUTimes {
        CPUTimes(user: lhs.user - rhs.user, system: lhs.system - rhs.system)
    }
}

/// Sockets in TIME_WAIT with one end on the network `a.b.0.0/16` (from /proc/net/tcp), by their two
/// ends: what closing check connections with a FIN instead of a reset leaves behind, for 60 s each.
func timeWaitSockets(onNetwork network: (UInt8, UInt8)) -> Set<String> {
    var sockets: Set<String> = []
    for line in procFile("/proc/net/tcp").split(separator: "\n").dropFirst() {
        let fields = line.split(separator: " ")
        guard fields.count > 3, fields[3] == "06" else { continue }
        // Each end is "AABBCCDD:PORT", the address in hex in memory order (little-endian here).
        let onNetwork = [fields[1], fields[2]].contains { end in
            guard let hex = end.split(separator: ":").first, let address = UInt32(hex, radix: 16) else { return false }
            return UInt8(address & 0xff) == network.0 && UInt8((address >> 8) & 0xff) == network.1
        }
        if onNetwork { sockets.insert("\(fields[1]) \(fields[2])") }
    }
    return sockets
}

/// A file under /proc, read to its end: Foundation stops after the first page of files whose size the
/// kernel reports as 0 (/proc/net/tcp holds one line per socket, megabytes of them).
func procFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { break }
        bytes.append(contentsOf: chunk[..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A TCP port on loopback that nothing listens on right now.
func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
