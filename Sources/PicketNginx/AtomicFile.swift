import Foundation

/// Writes files so that a reader sees the old bytes or the new, never a mix (consul-template's recipe):
/// a temporary file in the same directory, fsync, the old file's mode, rename, fsync the directory.
/// Where rename cannot work (a single-file bind mount answers EBUSY or EXDEV) it falls back to a careful
/// in-place write.
public enum AtomicFile {
    /// The file's bytes, or nil if it does not exist. Anything but a regular file is refused without
    /// reading: a FIFO would block, a device (`/dev/zero`) never end.
    public static func read(_ path: String) throws(FileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FileError(path: path, operation: "open", code: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: "stat", code: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(path: path, operation: "read", code: info.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL, detail: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 65_536)) }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "read", code: errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Writes `bytes` to a new temporary file beside `path` (durable on return) and gives its path.
    public static func stage(_ bytes: [UInt8], besides path: String) throws(FileError) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array("\(directory.isEmpty ? "." : directory)/.\(name).picket-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: directory, operation: "create a temporary file in", code: errno) }
        let tempPath = cString(template)
        defer { close(fd) }
        do throws(FileError) {
            guard fchmod(fd, existingMode(path) ?? 0o644) == 0 else { throw FileError(path: tempPath, operation: "chmod", code: errno) }
            try writeAll(fd, bytes, path: tempPath)
            guard fsync(fd) == 0 else { throw FileError(path: tempPath, operation: "fsync", code: errno) }
        } catch {
            unlink(tempPath)
            throw error
        }
        return tempPath
    }

    /// Moves a staged file over `path`, atomically where the file system allows.
    public static func install(staged: String, at path: String) throws(FileError) {
        if rename(staged, path) == 0 {
            syncDirectory(of: path)
            return
        }
        let code = errno
        guard code == EBUSY || code == EXDEV else {
            unlink(staged)
            throw FileError(path: path, operation: "rename over", code: code)
        }
        defer { unlink(staged) }
        guard let bytes = try read(staged) else { throw FileError(path: staged, operation: "read", code: ENOENT) }
        try writeInPlace(bytes, to: path)
    }

    /// Writes `bytes` to `path` through a staged file: the whole recipe in one call.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(FileError) {
        try install(staged: try stage(bytes, besides: path), at: path)
    }

    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: "open for writing", code: errno) }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard ftruncate(fd, off_t(bytes.count)) == 0 else { throw FileError(path: path, operation: "truncate", code: errno) }
        guard fsync(fd) == 0 else { throw FileError(path: path, operation: "fsync", code: errno) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "write", code: errno)
            }
            offset += written
        }
    }

    private static func existingMode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    /// Removes `path` durably; a file already gone is fine.
    public static func remove(_ path: String) {
        guard unlink(path) == 0 else { return }
        syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// A file operation that failed, with the system's reason (or Picket's, when it refused).
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32
    var detail: String?

    public var description: String { "cannot \(operation) \(path): \(detail ?? String(cString: strerror(code)))" }
}

/// A NUL-terminated C buffer as a Swift string.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
