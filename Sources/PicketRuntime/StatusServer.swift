import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Picket's HTTP status server on SwiftNIO: reads a whole request (up to 64 KiB), hands it to the
/// router, writes the answer and closes the connection. It never touches controller state: the router
/// asks the controller loop.
///
/// It is guarded against neighbours on the same machine: at most `connections.limit` are open (the
/// oldest idle one makes room for a new one; `maxConnections` at most, fewer under a low open-file
/// limit), and a connection that has not sent a whole request within `requestTimeout` is closed, so
/// idle or trickling clients cannot hold descriptors the probes need.
enum StatusServer {
    static let maxBody = 64 * 1024
    static let maxConnections = 128
    static let requestTimeout = Duration.seconds(10)

    static func start(
        host: String, port: Int, group: EventLoopGroup, connections: StatusConnections, requestTimeout: Duration = requestTimeout,
        route: @escaping @Sendable (StatusRequest) async -> StatusResponse
    ) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.admit(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(StatusHTTPHandler(route: route, connections: connections, timeout: requestTimeout))
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// One request as the router sees it.
struct StatusRequest: Sendable {
    let method: HTTPMethod
    let uri: String
    let authorization: String?
    /// The id of the last event a reconnecting `EventSource` got.
    var lastEventID: String? = nil
    let remote: String
    let bodyTooLarge: Bool
}

/// One answer: status, JSON or text body, extra headers; or the start of an event stream, which
/// keeps the connection open.
struct StatusResponse: Sendable {
    let status: HTTPResponseStatus
    let contentType: String
    let body: [UInt8]
    var headers: [(String, String)] = []
    var stream: EventStreamStart? = nil
}

/// The client an event stream response hands its connection to.
struct EventStreamStart: Sendable {
    let subscription: EventSubscription
    let hub: EventHub
}

private final class StatusHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: @Sendable (StatusRequest) async -> StatusResponse
    private let connections: StatusConnections
    private let timeout: Duration
    private var deadline: Scheduled<Void>?
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(route: @escaping @Sendable (StatusRequest) async -> StatusResponse, connections: StatusConnections, timeout: Duration) {
        self.route = route
        self.connections = connections
        self.timeout = timeout
    }

    /// The whole request must arrive within the timeout, however slowly it trickles.
    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            bodyBytes = 0
        case .body(let part):
            bodyBytes += part.readableBytes
        case .end:
            guard let head else { return }
            deadline?.cancel()
            connections.answering(context.channel)
            let request = StatusRequest(
                method: head.method, uri: head.uri, authorization: head.headers.first(name: "Authorization"),
                lastEventID: head.headers.first(name: "Last-Event-ID"),
                remote: context.remoteAddress.map { "\($0.ipAddress ?? "unix"):\($0.port ?? 0)" } ?? "unknown", bodyTooLarge: bodyBytes > StatusServer.maxBody)
            let channel = context.channel
            let route = route
            Task {
                let response = await route(request)
                StatusResponseWriter.write(response, remote: request.remote, on: channel)
            }
        }
    }
}

/// Writes an answer: a whole one, then the connection is closed; or the head of an event stream, and
/// the connection goes to an `EventStreamHandler`.
private enum StatusResponseWriter {
    static func write(_ response: StatusResponse, remote: String, on channel: Channel) {
        if let stream = response.stream {
            startStream(stream, response: response, remote: remote, on: channel)
            return
        }
        var headers = HTTPHeaders([
            ("Content-Type", response.contentType), ("Content-Length", "\(response.body.count)"), ("Connection", "close"),
        ])
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Answers with the stream's head (chunked, never cached, not buffered by a proxy in front) and
    /// hands the connection to an `EventStreamHandler`.
    private static func startStream(_ stream: EventStreamStart, response: StatusResponse, remote: String, on channel: Channel) {
        var headers = HTTPHeaders([("Content-Type", response.contentType)])
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(EventStreamHandler.sendBuffer))
            .flatMap { channel.writeAndFlush(HTTPServerResponsePart.head(head)) }
            .flatMapThrowing {
                try channel.pipeline.syncOperations.addHandler(EventStreamHandler(subscription: stream.subscription, hub: stream.hub, remote: remote))
            }
            .whenFailure { _ in
                stream.hub.unsubscribe(stream.subscription)
                channel.close(promise: nil)
            }
    }
}
