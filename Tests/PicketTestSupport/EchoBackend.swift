import Foundation
import NIOCore
import NIOPosix

/// A TCP service on loopback that answers every chunk it reads with its own name and the chunk: a
/// stand-in for the layer-4 apps of `stream {}` (Redis, a database), which says who answered.
public final class EchoBackend: @unchecked Sendable {
    public let name: String
    public let port: Int
    private let channel: Channel

    public init(name: String, port: Int = 0, group: EventLoopGroup) async throws {
        self.name = name
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo(name: name)) }
            }
            .bind(host: "127.0.0.1", port: port).get()
        self.port = channel.localAddress?.port ?? 0
    }

    public var address: String { "127.0.0.1:\(port)" }

    public func stop() async throws {
        try await channel.close()
    }
}

private final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let name: String

    init(name: String) {
        self.name = name
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var reply = context.channel.allocator.buffer(string: "\(name) ")
        var chunk = unwrapInboundIn(data)
        reply.writeBuffer(&chunk)
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
    }
}

/// Sends `line` over a new TCP connection to a loopback port and returns the first line that comes
/// back, or nil when nothing does within two seconds (connection refused or closed).
public func exchangeLine(port: Int, _ line: String = "ping") -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    guard withLoopback(port, { connect(fd, $0, $1) }) == 0 else { return nil }
    let request = Array("\(line)\n".utf8)
    guard write(fd, request, request.count) == request.count else { return nil }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while !received.contains(UInt8(ascii: "\n")) {
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        received += buffer[0..<count]
    }
    return String(decoding: received.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
}
