/// An HTTP/1.x response read as it arrives, kept to what a health check needs: the status code, the
/// body when the check looks into it, and whether the connection may carry another request.
///
/// Pure (bytes in, progress out), so framing is tested without sockets: `Content-Length`, chunked
/// bodies, bodies that end with the connection, no body (HEAD, 204, 304), and interim 1xx responses.
struct HTTPResponseParser {
    enum Progress: Equatable {
        case needMore
        case complete(HTTPResponseSummary)
        case malformed(String)
    }

    static let maxHead = 32 * 1024
    static let maxKeptBody = 64 * 1024
    private static let maxLine = 4 * 1024

    private enum Stage: Equatable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    private let headRequest: Bool
    private let keepsBody: Bool
    private var stage = Stage.head
    private var head: [UInt8] = []
    private var line: [UInt8] = []
    private var body: [UInt8] = []
    private var persistent = true
    /// The final status code, once the head of the final response has arrived.
    private(set) var status: Int?
    /// Bytes received so far: none means the server closed before answering at all.
    private(set) var received = 0

    /// `headRequest`: the request was HEAD (no body follows whatever the head says). `keepsBody`: the
    /// check looks into the body (its first 64 KiB are kept).
    init(headRequest: Bool = false, keepsBody: Bool = false) {
        self.headRequest = headRequest
        self.keepsBody = keepsBody
    }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Progress {
        received += bytes.count
        return feed(bytes)
    }

    /// The connection ended: the response, if the end of the stream completes it.
    mutating func end() -> HTTPResponseSummary? {
        guard stage == .untilClose else { return nil }
        return summary(reusable: false)
    }

    private mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Progress {
        var index = 0
        while true {
            switch stage {
            case .head:
                if head.isEmpty, let end = Self.headEnd(bytes, from: index) {
                    if let problem = parseHead(UnsafeRawBufferPointer(rebasing: bytes[index..<end])) { return .malformed(problem) }
                    index = end
                    continue
                }
                let searchFrom = max(0, head.count - 3)
                head.append(contentsOf: bytes[index...])
                guard let end = head.withUnsafeBytes({ Self.headEnd($0, from: searchFrom) }) else {
                    return head.count > Self.maxHead ? .malformed("response head larger than 32 KiB") : .needMore
                }
                let whole = head
                head = []
                return whole.withUnsafeBytes { all in
                    if let problem = parseHead(UnsafeRawBufferPointer(rebasing: all[..<end])) { return .malformed(problem) }
                    return feed(UnsafeRawBufferPointer(rebasing: all[end...]))
                }
            case .fixed(let remaining):
                let take = min(remaining, bytes.count - index)
                keep(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                stage = .fixed(remaining: remaining - take)
                if remaining == take { return finish(extra: index < bytes.count) }
                return .needMore
            case .untilClose:
                keep(UnsafeRawBufferPointer(rebasing: bytes[index...]))
                return .needMore
            case .chunkSize:
                guard readLine(bytes, &index) else { return line.count > Self.maxLine ? .malformed("chunk size line too long") : .needMore }
                guard let size = Self.chunkSize(line) else { return .malformed("bad chunk size") }
                line.removeAll(keepingCapacity: true)
                stage = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, bytes.count - index)
                keep(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)]))
                index += take
                guard remaining == take else {
                    stage = .chunkData(remaining: remaining - take)
                    return .needMore
                }
                stage = .chunkDataEnd
            case .chunkDataEnd:
                guard readLine(bytes, &index) else { return line.count > 2 ? .malformed("chunk not followed by CRLF") : .needMore }
                guard line.isEmpty else { return .malformed("chunk not followed by CRLF") }
                stage = .chunkSize
            case .trailers:
                guard readLine(bytes, &index) else { return line.count > Self.maxLine ? .malformed("trailer line too long") : .needMore }
                if line.isEmpty { return finish(extra: index < bytes.count) }
                line.removeAll(keepingCapacity: true)
            case .done:
                return .malformed("data after the response")
            }
        }
    }

    private mutating func finish(extra: Bool) -> Progress {
        stage = .done
        // Bytes beyond the response (a second response nobody asked for) make the connection unusable.
        return .complete(summary(reusable: persistent && !extra))
    }

    private func summary(reusable: Bool) -> HTTPResponseSummary {
        HTTPResponseSummary(status: status ?? 0, body: keepsBody ? String(decoding: body, as: UTF8.self) : nil, reusable: reusable)
    }

    private mutating func keep(_ bytes: UnsafeRawBufferPointer) {
        guard keepsBody, body.count < Self.maxKeptBody else { return }
        body.append(contentsOf: bytes.prefix(Self.maxKeptBody - body.count))
    }

    /// Reads up to and including a LF into `line` (without CR LF); false when the line is not complete.
    private mutating func readLine(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> Bool {
        guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
            line.append(contentsOf: bytes[index...])
            index = bytes.count
            return false
        }
        line.append(contentsOf: bytes[index..<newline])
        index = newline + 1
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return true
    }

    /// Reads the status line and the headers that frame the body; sets the next stage. Returns what is
    /// wrong with the head, if anything. Walks the bytes in place: no line or token is copied.
    private mutating func parseHead(_ bytes: UnsafeRawBufferPointer) -> String? {
        var lineStart = 0
        var statusSeen = false
        var code = 0
        var contentLength: Int?
        var chunked = false
        var otherCoding = false
        while lineStart < bytes.count {
            let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var lineEnd = newline
            if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let line = bytes[lineStart..<lineEnd]
            lineStart = newline + 1
            guard statusSeen else {
                guard let (minor, parsed) = Self.statusLine(line) else { return "bad status line" }
                persistent = minor >= 1
                code = parsed
                statusSeen = true
                continue
            }
            guard !line.isEmpty else { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return "bad header line" }
            let name = line[..<colon]
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsIgnoringCase(name, "content-length") {
                guard let length = Self.decimal(value), contentLength == nil || contentLength == length else { return "bad Content-Length" }
                contentLength = length
            } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                var last = value[value.endIndex...]
                Self.forEachToken(value) { last = $0 }
                if Self.equalsIgnoringCase(last, "chunked") { chunked = true } else { otherCoding = true }
            } else if Self.equalsIgnoringCase(name, "connection") {
                Self.forEachToken(value) { token in
                    if Self.equalsIgnoringCase(token, "close") { persistent = false }
                    if Self.equalsIgnoringCase(token, "keep-alive") { persistent = true }
                }
            }
        }
        guard statusSeen else { return "bad status line" }
        if (100...199).contains(code), code != 101 {
            stage = .head  // an interim response: the final one follows
            return nil
        }
        status = code
        if headRequest || code == 204 || code == 304 || code == 101 {
            if code == 101 { persistent = false }
            stage = .fixed(remaining: 0)
        } else if chunked, !otherCoding {
            stage = .chunkSize
        } else if let contentLength, !otherCoding {
            stage = .fixed(remaining: contentLength)
        } else {
            persistent = false
            stage = .untilClose
        }
        return nil
    }

    /// `HTTP/1.x NNN ...`: the minor version and the code.
    private static func statusLine(_ line: Slice<UnsafeRawBufferPointer>) -> (Int, Int)? {
        let bytes = UnsafeRawBufferPointer(rebasing: line)
        guard bytes.count >= 12, bytes.starts(with: "HTTP/1.".utf8), bytes[8] == UInt8(ascii: " "),
            let minor = digit(bytes[7]), let a = digit(bytes[9]), let b = digit(bytes[10]), let c = digit(bytes[11]), a >= 1,
            bytes.count == 12 || bytes[12] == UInt8(ascii: " ")
        else { return nil }
        return (minor, a * 100 + b * 10 + c)
    }

    /// Calls `body` with each comma-separated token of a header value, trimmed.
    private static func forEachToken(_ value: Slice<UnsafeRawBufferPointer>, _ body: (Slice<UnsafeRawBufferPointer>) -> Void) {
        var start = value.startIndex
        while start <= value.endIndex {
            let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.endIndex
            body(trimmed(value[start..<end]))
            start = end + 1
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func decimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func chunkSize(_ line: [UInt8]) -> Int? {
        let digits = line.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var value = 0
        for byte in digits {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value * 16 + Int(nibble)
        }
        return value
    }

    private static func trimmed<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bytes.SubSequence {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.endIndex...]
        }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == expected
        }
    }

    /// Where the head ends (just past CR LF CR LF), searching from `start`.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 3 < bytes.count {
            if bytes[index + 3] == UInt8(ascii: "\n") {
                if bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n"), bytes[index + 2] == UInt8(ascii: "\r") {
                    return index + 4
                }
                index += 1
            } else if bytes[index + 3] == UInt8(ascii: "\r") {
                index += 1
            } else {
                index += 4
            }
        }
        return nil
    }
}

/// What a health check takes from a complete response.
struct HTTPResponseSummary: Equatable {
    let status: Int
    /// The body (its first 64 KiB), when the check looks into it.
    let body: String?
    /// The server will take another request on this connection.
    let reusable: Bool
}
