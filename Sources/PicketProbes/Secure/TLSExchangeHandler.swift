import NIOCore
import NIOHTTP1
import NIOTLS

/// After the handshake, writes the check's request (HTTP parts) or probe data (TCP bytes) and completes
/// the promise with the reply its `Reader` makes of what arrives.
final class TLSExchangeHandler<Reader: TLSReplyReader>: ChannelInboundHandler {
    typealias InboundIn = Reader.Part

    private let request: [NIOAny]
    private var reader: Reader
    private let promise: EventLoopPromise<TLSProbe.Reply>

    init(request: [NIOAny], reader: Reader, promise: EventLoopPromise<TLSProbe.Reply>) {
        self.request = request
        self.reader = reader
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? TLSUserEvent, case .handshakeCompleted = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        for part in request { context.write(part, promise: nil) }
        context.flush()
        if let reply = reader.afterHandshake() { promise.succeed(reply) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let reply = reader.read(unwrapInboundIn(data)) { promise.succeed(reply) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.completeWith(reader.ended())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}

/// Makes a check's reply of what a TLS connection delivers; nil while it needs more.
protocol TLSReplyReader {
    associatedtype Part
    /// The reply right after the handshake (a TCP check that only connects), if that is enough.
    mutating func afterHandshake() -> TLSProbe.Reply?
    mutating func read(_ part: Part) -> TLSProbe.Reply?
    /// The server closed the connection first.
    func ended() -> Result<TLSProbe.Reply, any Error>
}

/// An HTTP response, decoded by NIOHTTP1: its status and, when the check looks at it, its body (kept up
/// to the plain checks' limit). A HEAD request's answer is complete at its head.
struct HTTPReplyReader: TLSReplyReader {
    let head: Bool
    let keepBody: Bool
    private var status: Int?
    private var body: [UInt8] = []

    init(head: Bool, keepBody: Bool) {
        self.head = head
        self.keepBody = keepBody
    }

    mutating func afterHandshake() -> TLSProbe.Reply? { nil }

    mutating func read(_ part: HTTPClientResponsePart) -> TLSProbe.Reply? {
        switch part {
        case .head(let response):
            status = Int(response.status.code)
            return head ? .http(status: Int(response.status.code), body: nil) : nil
        case .body(let buffer):
            if keepBody, body.count < HTTPResponseReader.maxKeptBody {
                body += buffer.readableBytesView.prefix(HTTPResponseReader.maxKeptBody - body.count)
            }
            return nil
        case .end:
            return status.map { .http(status: $0, body: keepBody ? String(decoding: body, as: UTF8.self) : nil) }
        }
    }

    func ended() -> Result<TLSProbe.Reply, any Error> { .failure(ChannelError.eof) }
}

/// The bytes of a TCP check's reply, until they hold what it expects (without an expectation, the
/// handshake is enough).
struct StreamReplyReader: TLSReplyReader {
    let expected: String?
    private var reply: [UInt8] = []

    init(expected: String?) {
        self.expected = expected
    }

    mutating func afterHandshake() -> TLSProbe.Reply? { expected == nil ? .stream(nil) : nil }

    mutating func read(_ buffer: ByteBuffer) -> TLSProbe.Reply? {
        if reply.count < HTTPResponseReader.maxKeptBody { reply += buffer.readableBytesView.prefix(HTTPResponseReader.maxKeptBody - reply.count) }
        let text = String(decoding: reply, as: UTF8.self)
        guard let expected, text.contains(expected) || reply.count >= HTTPResponseReader.maxKeptBody else { return nil }
        return .stream(text)
    }

    func ended() -> Result<TLSProbe.Reply, any Error> { .success(.stream(reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self))) }
}
