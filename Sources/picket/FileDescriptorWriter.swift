#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes for command output, so lines reach pipes at once.
enum FileDescriptorWriter {
    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

/// Prints rows as aligned columns on standard output; the first row is the header.
func printTable(_ rows: [[String]]) {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
        let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        FileDescriptorWriter.write(line.trimmingTrailingSpaces() + "\n", to: 1)
    }
}
