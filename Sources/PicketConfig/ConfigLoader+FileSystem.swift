import Foundation

extension ConfigLoader {
    /// A config file is small; a larger one is a mistake (or `/dev/zero`), not something to read.
    static let maxFileSize = 1 << 20

    /// The text of the config at `path`. Anything but a regular file (a directory, a FIFO, a device) is
    /// refused without reading, so a named pipe cannot block Picket; text that is not UTF-8 is refused
    /// at the position of the first bad byte.
    static func text(at path: String) throws(ConfigError) -> String {
        func refuse(_ message: String, line: Int = 1, column: Int = 1) -> ConfigError {
            ConfigError(diagnostics: [Diagnostic(file: path, line: line, column: column, keyPath: "", message: message)])
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw refuse("cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refuse("cannot read the file: \(String(cString: strerror(errno)))") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw refuse("is a directory; --config takes a YAML file")
        case S_IFIFO: throw refuse("is a named pipe (FIFO); Picket reads its config from a regular file")
        case S_IFCHR, S_IFBLK: throw refuse("is a device; Picket reads its config from a regular file")
        case S_IFSOCK: throw refuse("is a socket; Picket reads its config from a regular file")
        default: throw refuse("is not a regular file; Picket reads its config from a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= maxFileSize {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw refuse("cannot read the file: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard bytes.count <= maxFileSize else { throw refuse("is over \(maxFileSize / 1024) KiB; a Picket config is far smaller") }
        return try decode(bytes, refuse: refuse)
    }

    private static func decode(_ bytes: [UInt8], refuse: (String, Int, Int) -> ConfigError) throws(ConfigError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var valid = 0
        var line = 1, column = 1
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            valid += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        throw refuse("is not UTF-8 text: byte \(valid + 1) (0x\(String(bytes[valid], radix: 16))) is not a valid character", line, column)
    }
}
