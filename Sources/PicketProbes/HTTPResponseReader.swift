import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The HTTP responses of one connection, framed by SwiftNIO's `HTTPResponseDecoder` from the bytes the
/// reactor reads off its own socket: the reactor keeps its cheap system calls, NIO does the HTTP
/// (`Content-Length`, chunked bodies, bodies that end with the connection, no body after HEAD, 204 or
/// 304, interim 1xx responses skipped).
///
/// The decoder runs in an `EmbeddedChannel` fed by hand on the engine's thread; readers are kept and
/// handed from one check to the next (as many as checks ran at once). A check costs little beyond llhttp
/// itself: the request head goes straight to the decoder object (it only notes the method: a HEAD answer
/// announces a body it does not send), and the decoded parts land in a handler behind it rather than
/// in the channel's buffers. A body that ends with the connection is decoded when the input is
/// reported closed. A decoder serves the next response only while it is clean: its last response ended
/// where the server said and left the connection open. After `Connection: close` (llhttp accepts nothing
/// more), a truncated, unfinished or malformed response, the next check gets a fresh decoder in the same
/// channel, which costs less than a channel.
final class HTTPResponseReader {
    enum Progress: Equatable {
        case needMore
        case complete(HTTPResponseSummary)
        case malformed
    }

    /// A response head (status line and header fields) larger than this is malformed.
    static let maxHead = 32 * 1024
    /// The part of a body kept when the check looks into it.
    static let maxKeptBody = 64 * 1024

    private let channel = EmbeddedChannel()
    private let response = ResponseParts()
    private var decoder: HTTPResponseDecoder
    private var handler: ByteToMessageHandler<HTTPResponseDecoder>
    private var request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    /// Bytes received for the current response: none means the server closed before answering at all.
    private(set) var received = 0
    /// The last response ended cleanly and the connection stays open: the decoder can take the next.
    private(set) var clean = true

    init() {
        (decoder, handler) = Self.makeDecoder()
        do {
            try channel.pipeline.syncOperations.addHandler(response)
        } catch {
            preconditionFailure("an open EmbeddedChannel takes a handler: \(error)")
        }
        add(handler)
    }

    deinit {
        // Removing the decoder (done by the loop after a close) releases its parser.
        channel.close(promise: nil)
        channel.embeddedEventLoop.run()
    }

    /// The final status code, once the head of the final response has arrived.
    var status: Int? {
        response.head.map { Int($0.status.code) }
    }

    /// Announces the next request. `keepsBody`: the check looks into the body (its first 64 KiB are kept).
    func expect(method: String, keepsBody: Bool) {
        if !clean { renewDecoder() }
        clean = false
        response.reset(keepingBody: keepsBody)
        received = 0
        if request.method.rawValue != method { request.method = HTTPMethod(rawValue: method) }
        decoder.write(data: .head(request))
    }

    func consume(_ bytes: UnsafeRawBufferPointer) -> Progress {
        received += bytes.count
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.pipeline.syncOperations.fireChannelRead(NIOAny(buffer))
        return progress()
    }

    /// The connection ended: the response, if the end of the stream completes it.
    func end() -> HTTPResponseSummary? {
        channel.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let progress = progress()
        clean = false
        guard case .complete(let response) = progress else { return nil }
        return response
    }

    /// What the decoder made of the bytes so far.
    private func progress() -> Progress {
        if response.failed {
            // Bytes after a complete response (an answer nobody asked for) make only the connection unusable.
            return response.ended ? .complete(response.summary(reusable: false)) : .malformed
        }
        guard response.ended, let head = response.head else { return .needMore }
        clean = head.isKeepAlive
        return .complete(response.summary(reusable: head.isKeepAlive))
    }

    private static func makeDecoder() -> (HTTPResponseDecoder, ByteToMessageHandler<HTTPResponseDecoder>) {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHead
        limits.maxHeaderListSize = maxHead
        let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
        return (decoder, ByteToMessageHandler(decoder))
    }

    /// The decoder goes in front of the handler that takes its parts.
    private func add(_ handler: ByteToMessageHandler<HTTPResponseDecoder>) {
        do {
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            preconditionFailure("an open EmbeddedChannel takes a handler: \(error)")
        }
    }

    /// Swaps the spent decoder for a fresh one; whatever the old one still makes of its leftovers as it
    /// goes (parts, an error) is dropped.
    private func renewDecoder() {
        channel.pipeline.syncOperations.removeHandler(handler, promise: nil)
        channel.embeddedEventLoop.run()
        (decoder, handler) = Self.makeDecoder()
        add(handler)
    }
}

/// The parts of the response under way, as the decoder passes them on.
private final class ResponseParts: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private(set) var head: HTTPResponseHead?
    private(set) var ended = false
    /// The decoder refused the bytes (it then takes no more).
    private(set) var failed = false
    private var keepsBody = false
    private var body: [UInt8] = []

    func reset(keepingBody: Bool) {
        head = nil
        ended = false
        failed = false
        keepsBody = keepingBody
        body.removeAll(keepingCapacity: true)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
        case .body(let bytes):
            guard keepsBody, body.count < HTTPResponseReader.maxKeptBody else { return }
            body.append(contentsOf: bytes.readableBytesView.prefix(HTTPResponseReader.maxKeptBody - body.count))
        case .end:
            ended = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed = true
    }

    func summary(reusable: Bool) -> HTTPResponseSummary {
        HTTPResponseSummary(status: head.map { Int($0.status.code) } ?? 0, body: keepsBody ? String(decoding: body, as: UTF8.self) : nil, reusable: reusable)
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
