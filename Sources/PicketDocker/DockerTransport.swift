import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 to the Docker engine over its unix socket, one connection per request (the engine is local
/// and cheap to connect to; no pooled connection can go stale across an engine restart).
///
/// The engine's quirks are handled here: the `Host` header is required, and a `POST` with no body must
/// say `Content-Length: 0` (a chunked empty body is rejected).
struct DockerTransport: Sendable {
    let socketPath: String
    let group: EventLoopGroup

    /// Sends one request and collects the whole response, failing after `timeout`.
    func send(_ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, timeout: Duration) async throws -> DockerResponse {
        let loop = group.next()
        let promise = loop.makePromise(of: DockerResponse.self)
        let channel: Channel
        do {
            channel = try await connect(on: loop, timeout: timeout) { ResponseCollector(promise: promise) }
        } catch {
            promise.fail(error)
            throw error
        }
        let deadline = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            promise.fail(DockerError.timeout(method: method.rawValue, target: target, after: timeout))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        write(method, target, body: body, to: channel)
        return try await promise.futureResult.get()
    }

    /// Sends one request and hands each line of the response body to `onLine` as it arrives, until the
    /// engine ends the response or the connection breaks. The status must be 200.
    func stream(_ target: String, connectTimeout: Duration, onLine: @escaping @Sendable ([UInt8]) -> Void) async throws {
        let loop = group.next()
        let promise = loop.makePromise(of: Void.self)
        let channel: Channel
        do {
            channel = try await connect(on: loop, timeout: connectTimeout) { LineStreamer(promise: promise, onLine: onLine) }
        } catch {
            promise.fail(error)
            throw error
        }
        write(.GET, target, body: nil, to: channel)
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private func connect(on loop: EventLoop, timeout: Duration, handler: @escaping @Sendable () -> ChannelHandler) async throws -> Channel {
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(timeout.nanoseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
        do {
            return try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
        } catch {
            throw DockerError.unreachable(socket: socketPath, reason: "\(error)")
        }
    }

    private func write(_ method: HTTPMethod, _ target: String, body: [UInt8]?, to channel: Channel) {
        var headers = HTTPHeaders([("Host", "docker"), ("User-Agent", "picket"), ("Accept", "application/json")])
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(body.count)")
        } else if method != .GET {
            headers.add(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)), promise: nil)
        if let body, !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }
}

/// A whole response from the engine.
struct DockerResponse: Sendable {
    let status: Int
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Collects one response and closes the connection.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<DockerResponse>
    private var status = 0
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<DockerResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            promise.succeed(DockerResponse(status: status, body: Array(buffer: body)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(DockerError.unreachable(socket: "", reason: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DockerError.unreachable(socket: "", reason: "the engine closed the connection before answering"))
    }
}

/// Splits a streamed response body into lines (the engine sends one JSON object per line).
private final class LineStreamer: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<Void>
    private let onLine: @Sendable ([UInt8]) -> Void
    private var pending: [UInt8] = []
    private var status = 0

    init(promise: EventLoopPromise<Void>, onLine: @escaping @Sendable ([UInt8]) -> Void) {
        self.promise = promise
        self.onLine = onLine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            if status != 200 {
                promise.fail(DockerError.status(status, target: "/events", message: head.status.reasonPhrase))
                context.close(promise: nil)
            }
        case .body(let part):
            pending += part.readableBytesView
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if !line.isEmpty { onLine(line) }
            }
        case .end:
            promise.succeed(())
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(DockerError.unreachable(socket: "", reason: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DockerError.unreachable(socket: "", reason: "the event stream closed"))
    }
}
