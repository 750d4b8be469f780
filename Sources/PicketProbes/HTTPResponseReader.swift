import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The HTTP responses of one connection, framed by SwiftNIO's `HTTPResponseDecoder` from the bytes the
/// reactor reads off its own socket: the reactor keeps its cheap system calls, NIO does the HTTP
/// (`Content-Length`, chunked bodies, bodies that end with the connection, no body after HEAD, 204 or
/// 304, interim 1xx responses skipped).
///
/// The decoder is driven through its `ByteToMessageDecoder` methods, as `ByteToMessageHandler` drives
/// it, but by hand on the engine's thread: it sits in an `EmbeddedChannel` whose first handler only
/// lends it a context, and the parts it decodes go to the handler behind that one. That spares each
/// check the handler's buffering and a trip through the pipeline, and the bytes go in through one
/// reused buffer (bytes the decoder leaves unread, part of a header split between two reads, stay at
/// its front for the next). Readers are kept and handed from one check to the next (as many as checks
/// ran at once). The request head goes to the decoder too (it only notes the method: a HEAD answer
/// announces a body it does not send). A body that ends with the connection is decoded when the input
/// is reported closed. A decoder serves the next response only while it is clean: its last response
/// ended where the server said and left the connection open. After `Connection: close` (llhttp accepts
/// nothing more), a truncated, unfinished or malformed response, the next check gets a fresh decoder.
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
    /// The context the decoder fires its parts from: the handler in front of `response`.
    private let seat: ChannelHandlerContext
    private var decoder: HTTPResponseDecoder
    /// Bytes read and not yet taken by the decoder.
    private var input: ByteBuffer
    private var request = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    /// The method `request` holds, as the check names it (reading it back from the head costs a copy).
    private var method = "GET"
    /// Bytes received for the current response: none means the server closed before answering at all.
    private(set) var received = 0
    /// The last response ended cleanly and the connection stays open: the decoder can take the next.
    private(set) var clean = true

    init() {
        let front = DecoderSeat()
        do {
            try channel.pipeline.syncOperations.addHandlers([front, response])
            seat = try channel.pipeline.syncOperations.context(handler: front)
        } catch {
            preconditionFailure("an open EmbeddedChannel takes a handler: \(error)")
        }
        input = channel.allocator.buffer(capacity: 1024)
        decoder = Self.makeDecoder()
        decoder.decoderAdded(context: seat)
    }

    deinit {
        // The decoder's parser holds itself until the decoder is removed.
        decoder.decoderRemoved(context: seat)
        channel.close(promise: nil)
        channel.embeddedEventLoop.run()
    }

    /// The final status code, once the head of the final response has arrived.
    var status: Int? {
        response.status
    }

    /// Announces the next request. `keepsBody`: the check looks into the body (its first 64 KiB are kept).
    func expect(method: String, keepsBody: Bool) {
        if !clean { renewDecoder() }
        clean = false
        response.reset(keepingBody: keepsBody)
        received = 0
        if method != self.method {
            self.method = method
            request.method = HTTPMethod(rawValue: method)
        }
        decoder.write(data: .head(request))
    }

    func consume(_ bytes: UnsafeRawBufferPointer) -> Progress {
        received += bytes.count
        guard !response.failed else { return progress() }
        input.writeBytes(bytes)
        do {
            _ = try decoder.decode(context: seat, buffer: &input)
        } catch {
            response.fail()
        }
        if input.readableBytes == 0 { input.clear() }
        return progress()
    }

    /// The connection ended: the response, if the end of the stream completes it.
    func end() -> HTTPResponseSummary? {
        if !response.failed {
            do {
                _ = try decoder.decodeLast(context: seat, buffer: &input, seenEOF: true)
            } catch {
                response.fail()
            }
        }
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
        guard response.ended, let keepAlive = response.keepAlive else { return .needMore }
        clean = keepAlive
        return .complete(response.summary(reusable: keepAlive))
    }

    private static func makeDecoder() -> HTTPResponseDecoder {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHead
        limits.maxHeaderListSize = maxHead
        return HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
    }

    /// Swaps the spent decoder for a fresh one; whatever the old one had not decoded is dropped.
    private func renewDecoder() {
        decoder.decoderRemoved(context: seat)
        decoder = Self.makeDecoder()
        decoder.decoderAdded(context: seat)
        input.clear()
    }
}

/// The handler in front of the response's: it lends the decoder the context its parts go out from.
private final class DecoderSeat: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
}

/// The parts of the response under way, as the decoder passes them on. Of the head it keeps only what a
/// check reads (the status code, whether the connection stays open), so the head's header fields are
/// let go as soon as they are decoded.
private final class ResponseParts: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private(set) var status: Int?
    /// Whether the connection stays open after the response, once its head has arrived.
    private(set) var keepAlive: Bool?
    private(set) var ended = false
    /// The decoder refused the bytes (it then takes no more).
    private(set) var failed = false
    private var keepsBody = false
    private var body: [UInt8] = []

    func reset(keepingBody: Bool) {
        status = nil
        keepAlive = nil
        ended = false
        failed = false
        keepsBody = keepingBody
        body.removeAll(keepingCapacity: true)
    }

    func fail() {
        failed = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
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
        HTTPResponseSummary(status: status ?? 0, body: keepsBody ? String(decoding: body, as: UTF8.self) : nil, reusable: reusable)
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
