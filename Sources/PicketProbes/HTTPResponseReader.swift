import NIOCore
import NIOEmbedded
import NIOHTTP1

/// The HTTP responses of one connection, framed by SwiftNIO's `HTTPResponseDecoder` from the bytes the
/// reactor reads off its own socket: the reactor keeps its cheap system calls, NIO does the HTTP
/// (`Content-Length`, chunked bodies, bodies that end with the connection, no body after HEAD, 204 or
/// 304, interim 1xx responses skipped).
///
/// The decoder runs in an `EmbeddedChannel` fed by hand on the engine's thread; readers are kept and
/// handed from one check to the next (as many as checks ran at once). The decoder learns each request's method from an
/// outbound request head (a HEAD answer announces a body it does not send), and a body that ends with
/// the connection is decoded when the input is reported closed. A decoder serves the next response
/// only while it is clean: its last response ended where the server said and left the connection
/// open. After `Connection: close` (llhttp accepts nothing more), a truncated, unfinished or malformed
/// response, the next check gets a fresh decoder in the same channel, which costs less than a channel.
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
    private var decoder: ByteToMessageHandler<HTTPResponseDecoder>
    private var keepsBody = false
    private var body: [UInt8] = []
    private var head: HTTPResponseHead?
    /// Bytes received for the current response: none means the server closed before answering at all.
    private(set) var received = 0
    /// The last response ended cleanly and the connection stays open: the decoder can take the next.
    private(set) var clean = true

    init() {
        decoder = Self.makeDecoder()
        add(decoder)
    }

    deinit {
        // Removing the decoder (done by the loop after a close) releases its parser.
        channel.close(promise: nil)
        channel.embeddedEventLoop.run()
    }

    /// The final status code, once the head of the final response has arrived.
    var status: Int? {
        head.map { Int($0.status.code) }
    }

    /// Announces the next request. `keepsBody`: the check looks into the body (its first 64 KiB are kept).
    func expect(method: String, keepsBody: Bool) {
        if !clean { renewDecoder() }
        clean = false
        self.keepsBody = keepsBody
        body.removeAll(keepingCapacity: true)
        head = nil
        received = 0
        let request = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/")
        channel.pipeline.syncOperations.writeAndFlush(NIOAny(HTTPClientRequestPart.head(request)), promise: nil)
        _ = try? channel.readOutbound(as: HTTPClientRequestPart.self)
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

    /// Takes what the decoder made of the bytes so far.
    private func progress() -> Progress {
        var ended = false
        while let part = try? channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let responseHead):
                head = responseHead
            case .body(let bytes):
                keep(bytes)
            case .end:
                ended = true
            }
        }
        do {
            try channel.throwIfErrorCaught()
        } catch {
            // Bytes after a complete response (an answer nobody asked for) make only the connection unusable.
            return ended ? .complete(summary(reusable: false)) : .malformed
        }
        guard ended, let head else { return .needMore }
        clean = head.isKeepAlive
        return .complete(summary(reusable: head.isKeepAlive))
    }

    private static func makeDecoder() -> ByteToMessageHandler<HTTPResponseDecoder> {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHead
        limits.maxHeaderListSize = maxHead
        return ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits))
    }

    private func add(_ decoder: ByteToMessageHandler<HTTPResponseDecoder>) {
        do {
            try channel.pipeline.syncOperations.addHandler(decoder)
        } catch {
            preconditionFailure("an open EmbeddedChannel takes a handler: \(error)")
        }
    }

    /// Swaps the spent decoder for a fresh one; whatever the old one still makes of its leftovers as it
    /// goes (parts, an error) is dropped.
    private func renewDecoder() {
        channel.pipeline.syncOperations.removeHandler(decoder, promise: nil)
        channel.embeddedEventLoop.run()
        while (try? channel.readInbound(as: HTTPClientResponsePart.self)) != nil {}
        try? channel.throwIfErrorCaught()
        decoder = Self.makeDecoder()
        add(decoder)
    }

    private func summary(reusable: Bool) -> HTTPResponseSummary {
        HTTPResponseSummary(status: status ?? 0, body: keepsBody ? String(decoding: body, as: UTF8.self) : nil, reusable: reusable)
    }

    private func keep(_ bytes: ByteBuffer) {
        guard keepsBody, body.count < Self.maxKeptBody else { return }
        body.append(contentsOf: bytes.readableBytesView.prefix(Self.maxKeptBody - body.count))
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
