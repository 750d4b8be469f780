import Foundation
import Logging
import PicketConfig
import PicketCore

/// Writes one line per log event, straight to a file descriptor with `write(2)`, so every line is out
/// the moment it is logged, also when stdout is a pipe (`picket run | grep upstream`).
///
/// Text lines carry the timestamp, level and message (messages are written to be complete on their
/// own; a line break inside one is written as `\n`, so one event is always one line); JSON lines carry
/// every metadata key as well, for log shippers.
public struct PicketLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let format: Format
    private let sink: LineSink

    public init(label: String, format: Format, level: Logger.Level, sink: LineSink = .standardOutput) {
        self.format = format
        self.sink = sink
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let stamp = Self.timestamp()
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        let line: String
        switch format {
        case .text:
            let level = event.level.rawValue.uppercased()
            let message = event.message.description.replacingOccurrences(of: "\n", with: "\\n")
            line = "\(stamp) \(level.padding(toLength: 7, withPad: " ", startingAt: 0)) \(message)\n"
        case .json:
            line = Self.jsonLine(stamp: stamp, level: event.level, message: event.message.description, metadata: merged) + "\n"
        }
        sink.write(line)
    }

    /// One line of the JSON format: `ts`, `level`, `msg` and every metadata key. The event stream
    /// (`GET /v1/events`) sends the same object.
    static func jsonLine(stamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var fields: [String: String] = ["ts": JSONValue.quote(stamp), "level": JSONValue.quote(level.rawValue), "msg": JSONValue.quote(message)]
        for (key, value) in metadata { fields[key] = json(value) }
        return json(fields)
    }

    /// An object from fields whose values are already JSON.
    static func json(_ fields: [String: String]) -> String {
        let body = fields.keys.sorted().map { "\(JSONValue.quote($0)):\(fields[$0]!)" }
        return "{" + body.joined(separator: ",") + "}"
    }

    /// A metadata value as JSON: numbers and booleans (logged as `.stringConvertible`) stay numbers, so
    /// log shippers can sum and compare them; everything else is a string.
    static func json(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .stringConvertible(let number as any BinaryInteger): return "\(number)"
        case .stringConvertible(let number as Double) where number.isFinite: return "\(number)"
        case .stringConvertible(let flag as Bool): return flag ? "true" : "false"
        case .dictionary(let dictionary): return json(dictionary.mapValues(json))
        case .array(let array): return "[" + array.map(json).joined(separator: ",") + "]"
        case .string, .stringConvertible: return JSONValue.quote(value.description)
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return FixedText.iso8601(epochSeconds: Int64(now.tv_sec), milliseconds: now.tv_nsec / 1_000_000)
    }
}

/// Where log lines go: a file descriptor, or a closure (tests collect lines in memory).
public struct LineSink: Sendable {
    private let emit: @Sendable (String) -> Void
    private static let lock = NSLock()

    public init(_ emit: @escaping @Sendable (String) -> Void) {
        self.emit = emit
    }

    /// Standard output, one `write(2)` per line under a lock so lines never interleave.
    public static let standardOutput = LineSink { line in
        lock.lock()
        defer { lock.unlock() }
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    func write(_ line: String) { emit(line) }
}
