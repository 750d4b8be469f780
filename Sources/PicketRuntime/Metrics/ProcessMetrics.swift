import Foundation

/// The standard `process_*` metrics every Prometheus client exports (CPU seconds, resident and virtual
/// memory, open and maximum descriptors, start time), read from `/proc/self` when scraped, as
/// client_golang's process collector reads them. The open-descriptor count matters for Picket: probes
/// and status connections share one limit (see `DescriptorBudget`).
struct ProcessMetrics: Equatable {
    var cpuSeconds: Double
    var residentBytes: Double
    var virtualBytes: Double
    var startTimeSeconds: Double
    var openDescriptors: Int
    var maxDescriptors: Int

    /// The exposition lines, with HELP and TYPE.
    var exposition: String {
        let families: [(String, String, String, String)] = [
            ("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", Self.number(cpuSeconds)),
            ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", Self.number(residentBytes)),
            ("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", Self.number(virtualBytes)),
            ("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", Self.number(startTimeSeconds)),
            ("process_open_fds", "gauge", "Number of open file descriptors.", "\(openDescriptors)"),
            ("process_max_fds", "gauge", "Maximum number of open file descriptors.", "\(maxDescriptors)"),
        ]
        return families.map { name, type, help, value in "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n" }.joined()
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension ProcessMetrics {
    /// This process, now; nil where `/proc` cannot be read (not Linux, or hidden).
    static func current() -> ProcessMetrics? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let fields = statFields(stat), fields.count > 21,
            let utime = Double(fields[11]), let stime = Double(fields[12]), let start = Double(fields[19]),
            let vsize = Double(fields[20]), let rss = Double(fields[21]),
            let bootTime = bootTime()
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return ProcessMetrics(
            cpuSeconds: (utime + stime) / ticks, residentBytes: rss * pageSize, virtualBytes: vsize, startTimeSeconds: bootTime + start / ticks,
            openDescriptors: openDescriptorCount(), maxDescriptors: Int(clamping: limit.rlim_cur))
    }

    /// The fields of `/proc/self/stat` after the command name (which may hold spaces and parentheses),
    /// numbered so that field 3 of proc(5), the state, is index 0.
    static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
    }

    /// The system's boot time (`btime` in `/proc/stat`), in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Entries of `/proc/self/fd`, less the one the listing itself holds open.
    private static func openDescriptorCount() -> Int {
        max(0, (entryCount(of: "/proc/self/fd") ?? 1) - 1)
    }

    /// The entries of a directory other than `.` and `..`; nil when it cannot be opened. Each name is
    /// read in place as a C string: a `dirent` record is only as long as its name, so copying the
    /// declared 256-byte `d_name` out of it reads past the end of readdir's buffer, a crash when that
    /// end is a page end (seen on a `/metrics` scrape).
    static func entryCount(of path: String) -> Int? {
        guard let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name), let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            if strcmp(name, ".") != 0 && strcmp(name, "..") != 0 { count += 1 }
        }
        return count
    }
}
