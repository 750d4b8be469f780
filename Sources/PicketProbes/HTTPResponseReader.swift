import CNIOLLHTTP

/// The HTTP responses of one connection, framed by llhttp (the parser SwiftNIO's `HTTPResponseDecoder`
/// runs on) from the bytes the reactor reads off its own socket: `Content-Length`, chunked bodies,
/// bodies that end with the connection, no body after HEAD, 204 or 304, interim 1xx responses skipped.
///
/// llhttp is driven directly, with the callbacks a check needs (the end of the head, the body, the end
/// of the message) and no others. Through `HTTPResponseDecoder` every header field became two Swift
/// strings, the head an `HTTPResponseHead` and each part an `NIOAny` passed down a pipeline, for a check
/// that reads only the status code and whether the connection stays open: that was 5.9 of the ~25 µs of
/// user time a check cost at 5,000 backends (perf, BENCHMARKS.md). The rules the decoder adds on top of
/// llhttp are kept here: no body after HEAD, CONNECT, 1xx, 204 or 304 whatever the headers say; HTTP/1
/// only; a response nobody asked for is an error; a head over `maxHead` is malformed.
///
/// A reader serves the next response only while it is clean: its last response ended where the server
/// said and left the connection open. After `Connection: close` (llhttp accepts nothing more), a
/// truncated, unfinished or malformed response, the parser is reset for the next check.
final class HTTPResponseReader {
    enum Progress: Equatable {
        case needMore
        case complete(HTTPResponseSummary)
        case malformed
    }

    /// A response head (its header fields) larger than this is malformed.
    static let maxHead = 32 * 1024
    /// The part of a body kept when the check looks into it.
    static let maxKeptBody = 64 * 1024

    private let parser = UnsafeMutablePointer<llhttp_t>.allocate(capacity: 1)
    /// What the callbacks write; behind a pointer (llhttp's `data`), so a callback needs neither a
    /// retain nor an exclusivity check to reach it.
    private let response = UnsafeMutablePointer<ResponseState>.allocate(capacity: 1)
    /// Bytes received for the current response: none means the server closed before answering at all.
    private(set) var received = 0
    /// The last response ended cleanly and the connection stays open: the parser can take the next.
    private(set) var clean = true

    init() {
        response.initialize(to: ResponseState())
        c_nio_llhttp_init(parser, HTTP_RESPONSE, ResponseState.settings)
        parser.pointee.data = UnsafeMutableRawPointer(response)
    }

    deinit {
        response.deinitialize(count: 1)
        response.deallocate()
        parser.deallocate()
    }

    /// The final status code, once the head of the final response has arrived.
    var status: Int? {
        response.pointee.status
    }

    /// Announces the next request. `keepsBody`: the check looks into the body (its first 64 KiB are kept).
    func expect(method: String, keepsBody: Bool) {
        if !clean { c_nio_llhttp_reset(parser) }
        clean = false
        received = 0
        response.pointee.expect(bodyless: method == "HEAD" || method == "CONNECT", keepingBody: keepsBody)
    }

    func consume(_ bytes: UnsafeRawBufferPointer) -> Progress {
        received += bytes.count
        guard !response.pointee.failed, let start = bytes.baseAddress else { return progress() }
        switch c_nio_llhttp_execute_swift(parser, start, bytes.count) {
        case HPE_OK:
            break
        case HPE_PAUSED_UPGRADE:
            // A 101 answer: what follows is another protocol, so the connection is not reused.
            response.pointee.keepAlive = false
        default:
            response.pointee.failed = true
        }
        return progress()
    }

    /// The connection ended: the response, if the end of the stream completes it.
    func end() -> HTTPResponseSummary? {
        if !response.pointee.failed, c_nio_llhttp_finish(parser) != HPE_OK {
            response.pointee.failed = true
        }
        let progress = progress()
        clean = false
        guard case .complete(let response) = progress else { return nil }
        return response
    }

    /// What llhttp made of the bytes so far.
    private func progress() -> Progress {
        if response.pointee.failed {
            // Bytes after a complete response (an answer nobody asked for) make only the connection unusable.
            return response.pointee.ended ? .complete(response.pointee.summary(reusable: false)) : .malformed
        }
        guard response.pointee.ended else { return .needMore }
        clean = response.pointee.keepAlive
        return .complete(response.pointee.summary(reusable: clean))
    }
}

/// The response under way, as llhttp's callbacks report it. Of the head it keeps only what a check
/// reads: the status code and whether the connection stays open.
private struct ResponseState {
    private(set) var status: Int?
    /// Whether the connection stays open after the response, once its head has arrived.
    var keepAlive = false
    private(set) var ended = false
    /// llhttp refused the bytes (it then takes no more until reset).
    var failed = false
    /// A request was sent whose final response has not begun.
    private var awaiting = false
    /// The request was HEAD or CONNECT: its answer has no body, whatever its head announces.
    private var bodyless = false
    private var keepsBody = false
    private var headBytes = 0
    private var body: [UInt8] = []

    mutating func expect(bodyless: Bool, keepingBody: Bool) {
        status = nil
        keepAlive = false
        ended = false
        failed = false
        awaiting = true
        self.bodyless = bodyless
        keepsBody = keepingBody
        headBytes = 0
        body.removeAll(keepingCapacity: true)
    }

    func summary(reusable: Bool) -> HTTPResponseSummary {
        HTTPResponseSummary(status: status ?? 0, body: keepsBody ? String(decoding: body, as: UTF8.self) : nil, reusable: reusable)
    }

    /// Header field names and values count against `maxHead`; -1 (an error) past it.
    private mutating func headData(_ length: Int) -> Int32 {
        headBytes += length
        return headBytes > HTTPResponseReader.maxHead ? -1 : 0
    }

    /// 0: a body may follow as the head says; 1: no body; -1: an error.
    private mutating func headComplete(_ parser: UnsafeMutablePointer<llhttp_t>) -> Int32 {
        guard parser.pointee.http_major == 1, awaiting else { return -1 }
        let code = Int(parser.pointee.status_code)
        headBytes = 0
        if (100..<200).contains(code), code != 101 {
            return 1  // interim: the final response follows, for the same request
        }
        awaiting = false
        status = code
        keepAlive = c_nio_llhttp_should_keep_alive(parser) != 0
        return bodyless || code / 100 == 1 || code == 204 || code == 304 ? 1 : 0
    }

    private mutating func bodyData(_ bytes: UnsafePointer<CChar>, _ length: Int) {
        guard keepsBody, body.count < HTTPResponseReader.maxKeptBody else { return }
        let kept = min(length, HTTPResponseReader.maxKeptBody - body.count)
        body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: kept))
    }

    private mutating func messageComplete(_ parser: UnsafeMutablePointer<llhttp_t>) {
        // llhttp keeps an interim response's length for the next message (nodejs/llhttp#202, as NIO does).
        parser.pointee.content_length = 0
        if status != nil { ended = true }
    }

    private static func state(_ parser: UnsafeMutablePointer<llhttp_t>?) -> UnsafeMutablePointer<ResponseState> {
        parser!.pointee.data.assumingMemoryBound(to: ResponseState.self)
    }

    /// One set of callbacks for every reader (llhttp reaches a reader's state through the parser's `data`).
    nonisolated(unsafe) static let settings: UnsafeMutablePointer<llhttp_settings_t> = {
        let settings = UnsafeMutablePointer<llhttp_settings_t>.allocate(capacity: 1)
        c_nio_llhttp_settings_init(settings)
        settings.pointee.on_header_field = { parser, _, length in state(parser).pointee.headData(length) }
        settings.pointee.on_header_value = { parser, _, length in state(parser).pointee.headData(length) }
        settings.pointee.on_headers_complete = { parser in state(parser).pointee.headComplete(parser!) }
        settings.pointee.on_body = { parser, bytes, length in
            state(parser).pointee.bodyData(bytes!, length)
            return 0
        }
        settings.pointee.on_message_complete = { parser in
            state(parser).pointee.messageComplete(parser!)
            return 0
        }
        return settings
    }()
}

/// What a health check takes from a complete response.
struct HTTPResponseSummary: Equatable {
    let status: Int
    /// The body (its first 64 KiB), when the check looks into it.
    let body: String?
    /// The server will take another request on this connection.
    let reusable: Bool
}
