import Logging
import NIOCore
import NIOHTTP1

/// Writes one client's event stream on its connection, as fast as the client takes it and no faster:
/// frames are written only while the channel is writable, so at most a high-water mark's worth waits in
/// SwiftNIO and the rest waits, bounded, in the subscription.
///
/// A client that takes nothing for `stallTimeout` while events wait is cut off (counted and logged), so
/// a stuck reader holds its buffer only that long; an idle stream gets a comment every `keepalive` so
/// that proxies keep it open and a vanished peer is noticed.
final class EventStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let stallTimeout = TimeAmount.seconds(5)
    static let keepalive = TimeAmount.seconds(15)
    /// The socket's send buffer: a fixed size keeps the kernel's share of a stuck client bounded too.
    static let sendBuffer = 64 * 1024

    private let subscription: EventSubscription
    private let hub: EventHub
    private let remote: String
    private var timer: RepeatedTask?
    private var lastWrite = NIODeadline.now()

    init(subscription: EventSubscription, hub: EventHub, remote: String) {
        self.subscription = subscription
        self.hub = hub
        self.remote = remote
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard context.channel.isActive else {
            hub.unsubscribe(subscription)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        subscription.attach(
            wake: { loop.execute { bound.value.handler.pump(bound.value.context) } },
            close: { loop.execute { bound.value.context.close(promise: nil) } })
        timer = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            bound.value.handler.check(bound.value.context)
        }
        pump(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        hub.unsubscribe(subscription)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        hub.unsubscribe(subscription)
        context.fireChannelInactive()
    }

    private func pump(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable {
            let frames = subscription.take(16)
            guard !frames.isEmpty else { break }
            write(frames, context)
            wrote = true
        }
        if wrote { context.flush() }
    }

    private func write(_ frames: [[UInt8]], _ context: ChannelHandlerContext) {
        let subscription = subscription
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenSuccess { subscription.wrote(frames.count) }
        for (offset, frame) in frames.enumerated() {
            let part = HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: frame)))
            context.write(wrapOutboundOut(part), promise: offset == frames.count - 1 ? promise : nil)
        }
        lastWrite = .now()
    }

    private func check(_ context: ChannelHandlerContext) {
        if let waiting = subscription.stalled(after: Self.stallTimeout) {
            hub.metrics.eventClientCutOff()
            hub.logger.warning(
                "event stream client \(remote) cut off: it took nothing for \(Self.stallTimeout.nanoseconds / 1_000_000_000)s while \(waiting) events waited",
                metadata: ["event": "event_stream_cut_off", "remote": "\(remote)", "waiting": .stringConvertible(waiting)])
            timer?.cancel()
            context.close(promise: nil)
        } else if subscription.isIdle, .now() - lastWrite >= Self.keepalive, context.channel.isWritable {
            write([EventFrame.keepalive], context)
            context.flush()
        }
    }
}
