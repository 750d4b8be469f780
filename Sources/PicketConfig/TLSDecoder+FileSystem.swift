import Glibc

/// The disk side of `TLSDecoder`: whether a configured certificate or key file can be used.
enum PEMFile {
    /// A PEM file is small; more than this is not one.
    static let maxSize = 1 << 20

    /// Why the file at `path` cannot serve as a PEM file holding `block`, or nil when it can.
    static func problem(at path: String, holding block: String) -> String? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return "cannot be read (\(String(cString: strerror(errno))))" }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return "is not a regular file" }
        var bytes = [UInt8](repeating: 0, count: min(Int(info.st_size), maxSize))
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { return "cannot be read (\(String(cString: strerror(errno))))" }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        guard text.contains("-----BEGIN"), text.contains("\(block)-----") else { return "holds no PEM \(block.lowercased()) block" }
        return nil
    }
}
