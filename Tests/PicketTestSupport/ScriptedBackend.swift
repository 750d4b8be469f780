import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on loopback whose answers a test scripts: healthy, failing, slow, hung, or gone.
/// (traefik's HealthSequence idea: the backend plays a part, the probe or nginx meets it for real.)
public final class ScriptedBackend: @unchecked Sendable {
    public enum Behaviour: Sendable {
        case answer(status: Int, body: String)
        case delay(TimeAmount, status: Int, body: String)
        case hang
        case closeAtOnce
        /// Answers, then closes the connection `after` a while without having said so (no `Connection:
        /// close`); requests arriving on it meanwhile get no answer.
        case answerThenClose(status: Int, body: String, after: TimeAmount)
    }

    public let name: String
    public private(set) var port: Int
    private let group: EventLoopGroup
    private let state: NIOLockedValueBox<Behaviour>
    private let served = NIOLockedValueBox(0)
    private let accepted = NIOLockedValueBox(0)
    private let received = NIOLockedValueBox<[String]>([])
    private let upcoming = NIOLockedValueBox<[Behaviour]>([])
    private let trafficState = NIOLockedValueBox<Behaviour?>(nil)
    private var channel: Channel?

    /// Starts on `port` (nil picks a free one) answering 200 with a body naming the backend.
    public init(name: String, port: Int? = nil, group: EventLoopGroup) async throws {
        self.name = name
        self.group = group
        self.port = port ?? freePort()
        state = NIOLockedValueBox(.answer(status: 200, body: "backend \(name)\n"))
        try await start()
    }

    public var behaviour: Behaviour {
        get { state.withLockedValue { $0 } }
        set { state.withLockedValue { $0 = newValue } }
    }

    /// What every path but `/health` gets instead of `behaviour` (nil: the same): a backend whose health
    /// check passes while real traffic fails.
    public var trafficBehaviour: Behaviour? {
        get { trafficState.withLockedValue { $0 } }
        set { trafficState.withLockedValue { $0 = newValue } }
    }

    public var requestsServed: Int { served.withLockedValue { $0 } }

    /// Connections accepted so far (a check that reuses its connection opens none).
    public var connectionsAccepted: Int { accepted.withLockedValue { $0 } }

    /// The bodies of the requests received so far (a webhook receiver's deliveries).
    public var bodies: [String] { received.withLockedValue { $0 } }

    /// The next requests get these behaviours, one each, before `behaviour` applies again.
    public func script(_ behaviours: [Behaviour]) {
        upcoming.withLockedValue { $0 = behaviours }
    }
    public var address: String { "127.0.0.1:\(port)" }

    /// Binds again on the same port (after `stop`).
    public func start() async throws {
        let state = state
        let served = served
        let received = received
        let upcoming = upcoming
        let traffic = trafficState
        let accepted = accepted
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 += 1 }
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(ScriptedHandler(state: state, served: served, received: received, upcoming: upcoming, traffic: traffic))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        port = channel.localAddress?.port ?? port
        self.channel = channel
    }

    /// Closes the listening socket: new connections are refused (connections already open stay).
    public func stop() async throws {
        try await channel?.close()
        channel = nil
    }
}

private final class ScriptedHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: NIOLockedValueBox<ScriptedBackend.Behaviour>
    let served: NIOLockedValueBox<Int>
    let received: NIOLockedValueBox<[String]>
    let upcoming: NIOLockedValueBox<[ScriptedBackend.Behaviour]>
    let traffic: NIOLockedValueBox<ScriptedBackend.Behaviour?>
    private var body = ""
    private var path = ""
    private var closing = false

    init(
        state: NIOLockedValueBox<ScriptedBackend.Behaviour>, served: NIOLockedValueBox<Int>, received: NIOLockedValueBox<[String]>,
        upcoming: NIOLockedValueBox<[ScriptedBackend.Behaviour]>, traffic: NIOLockedValueBox<ScriptedBackend.Behaviour?>
    ) {
        self.state = state
        self.served = served
        self.received = received
        self.upcoming = upcoming
        self.traffic = traffic
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            body = ""
            path = head.uri
            return
        case .body(let part):
            body += String(buffer: part)
            return
        case .end:
            break
        }
        guard !closing else { return }
        received.withLockedValue { $0.append(body) }
        let scripted = upcoming.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
        let forTraffic = path.hasPrefix("/health") ? nil : traffic.withLockedValue { $0 }
        switch scripted ?? forTraffic ?? state.withLockedValue({ $0 }) {
        case .answer(let status, let body):
            respond(context: context, status: status, body: body)
        case .delay(let delay, let status, let body):
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay) { self.respond(context: loopBound.value, status: status, body: body) }
        case .hang:
            break
        case .closeAtOnce:
            context.close(promise: nil)
        case .answerThenClose(let status, let body, let delay):
            respond(context: context, status: status, body: body)
            closing = true
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
        }
    }

    private func respond(context: ChannelHandlerContext, status: Int, body: String) {
        served.withLockedValue { $0 += 1 }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Content-Type", value: "text/plain")
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
