import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP server on loopback that answers every request (once its head has arrived) with scripted raw
/// bytes, written in the given pieces with a pause between them, then optionally closes: for the
/// framings a health check must read right (chunked, ended by close, split in tiny pieces, interim 1xx)
/// and for answers that are not HTTP at all.
public final class RawBackend: @unchecked Sendable {
    public let port: Int
    private let channel: Channel

    public init(pieces: [String], pause: TimeAmount = .milliseconds(5), closeAfter: Bool, group: EventLoopGroup) async throws {
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawResponder(pieces: pieces, pause: pause, closeAfter: closeAfter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    public var address: String { "127.0.0.1:\(port)" }

    public func stop() async throws {
        try await channel.close()
    }
}

private final class RawResponder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let pieces: [String]
    let pause: TimeAmount
    let closeAfter: Bool
    private var request = ""

    init(pieces: [String], pause: TimeAmount, closeAfter: Bool) {
        self.pieces = pieces
        self.pause = pause
        self.closeAfter = closeAfter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        request += String(buffer: unwrapInboundIn(data))
        guard request.contains("\r\n\r\n") else { return }
        request = ""
        let channel = context.channel
        var delay = TimeAmount.zero
        for piece in pieces {
            channel.eventLoop.scheduleTask(in: delay) { channel.writeAndFlush(channel.allocator.buffer(string: piece), promise: nil) }
            delay = delay + pause
        }
        if closeAfter {
            channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
        }
    }
}
