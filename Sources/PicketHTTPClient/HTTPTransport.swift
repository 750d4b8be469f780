import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client on SwiftNIO's codec for the services Picket talks to (the Docker engine on
/// its unix socket, Picket's own status server, webhook receivers, over TLS when `tls` is given): one
/// connection per request, so no pooled connection can go stale across a restart of the other side.
///
/// Every request carries a `Host` header, and a body-less `POST` says `Content-Length: 0` (Docker
/// rejects a chunked empty body).
public struct HTTPTransport: Sendable {
    /// Where the server listens.
    public enum Endpoint: Sendable, CustomStringConvertible {
        case unix(path: String)
        case tcp(host: String, port: Int)

        public var description: String {
            switch self {
            case .unix(let path): return path
            case .tcp(let host, let port): return "\(host):\(port)"
            }
        }
    }

    public let endpoint: Endpoint
    let group: EventLoopGroup
    let host: String
    public let tls: TLSClient?

    public init(endpoint: Endpoint, group: EventLoopGroup, host: String = "localhost", tls: TLSClient? = nil) {
        self.endpoint = endpoint
        self.group = group
        self.host = host
        self.tls = tls
    }

    /// Sends one request and collects the whole response, failing after `timeout`.
    public func send(
        _ method: HTTPMethod, _ target: String, body: [UInt8]? = nil, headers extra: [(String, String)] = [], timeout: Duration
    ) async throws(HTTPTransportError) -> HTTPResponse {
        let loop = group.next()
        let promise = loop.makePromise(of: HTTPResponse.self)
        let channel: Channel
        do {
            channel = try await connect(on: loop, timeout: timeout) { ResponseCollector(promise: promise) }
        } catch {
            promise.fail(error)
            throw error
        }
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(HTTPTransportError.timeout(method: method.rawValue, target: target, after: timeout))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        write(method, target, body: body, headers: extra, to: channel)
        do {
            return try await promise.futureResult.get()
        } catch let error as HTTPTransportError {
            throw located(error)
        } catch {
            throw .unreachable(endpoint: endpoint.description, reason: Self.reason(error))
        }
    }

    /// A failure the handlers raised, which do not know the endpoint, with the endpoint named.
    private func located(_ error: HTTPTransportError) -> HTTPTransportError {
        guard case .unreachable("", let reason) = error else { return error }
        return .unreachable(endpoint: endpoint.description, reason: reason)
    }

    /// A connection error in an operator's words: "connection refused", not NIO's internals.
    static func reason(_ error: Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first?.error {
            return reason(first)
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if case ChannelError.connectTimeout = error { return "connect timed out" }
        if let tls = TLSClient.reason(error) { return tls }
        return "\(error)"
    }

    /// Sends one request and hands each line of the response body to `onLine` as it arrives, until the
    /// engine ends the response or the connection breaks. The status must be 200.
    public func stream(_ target: String, connectTimeout: Duration, onLine: @escaping @Sendable ([UInt8]) -> Void) async throws(HTTPTransportError) {
        let loop = group.next()
        let promise = loop.makePromise(of: Void.self)
        let channel: Channel
        do {
            channel = try await connect(on: loop, timeout: connectTimeout) { LineStreamer(promise: promise, onLine: onLine) }
        } catch {
            promise.fail(error)
            throw error
        }
        write(.GET, target, body: nil, headers: [], to: channel)
        do {
            try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch let error as HTTPTransportError {
            throw located(error)
        } catch {
            throw .unreachable(endpoint: endpoint.description, reason: Self.reason(error))
        }
    }

    private func connect(on loop: EventLoop, timeout: Duration, handler: @escaping @Sendable () -> ChannelHandler) async throws(HTTPTransportError) -> Channel {
        let tls = tls, host = host
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(tls.handler(for: host)) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
        do {
            switch endpoint {
            case .unix(let path): return try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port): return try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            throw .unreachable(endpoint: endpoint.description, reason: Self.reason(error))
        }
    }

    private func write(_ method: HTTPMethod, _ target: String, body: [UInt8]?, headers extra: [(String, String)], to channel: Channel) {
        var headers = HTTPHeaders([("Host", host), ("User-Agent", "picket"), ("Accept", "application/json")] + extra)
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

/// A whole response.
public struct HTTPResponse: Sendable {
    public let status: Int
    public var headers = HTTPHeaders()
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why an exchange failed: the server could not be reached (or hung up), or did not answer in time.
public enum HTTPTransportError: Error, Sendable, CustomStringConvertible {
    case unreachable(endpoint: String, reason: String)
    case timeout(method: String, target: String, after: Duration)
    case status(Int, target: String, message: String)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason): return endpoint.isEmpty ? "unreachable: \(reason)" : "\(endpoint) unreachable: \(reason)"
        case .timeout(let method, let target, let after): return "\(method) \(target) got no answer within \(after)"
        case .status(let code, let target, let message): return "\(target) answered \(code): \(message)"
        }
    }
}

/// Collects one response and closes the connection.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPResponse>
    private var status = 0
    private var headers = HTTPHeaders()
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<HTTPResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            headers = head.headers
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            promise.succeed(HTTPResponse(status: status, headers: headers, body: Array(buffer: body)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(HTTPTransportError.unreachable(endpoint: "", reason: HTTPTransport.reason(error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPTransportError.unreachable(endpoint: "", reason: "the server closed the connection before answering"))
    }
}

/// Splits a streamed response body into lines (Docker's events: one JSON object per line).
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
                promise.fail(HTTPTransportError.status(status, target: "stream", message: head.status.reasonPhrase))
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
        promise.fail(HTTPTransportError.unreachable(endpoint: "", reason: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPTransportError.unreachable(endpoint: "", reason: "the stream closed"))
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }
}
