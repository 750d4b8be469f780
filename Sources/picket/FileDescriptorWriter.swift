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
