import NIOCore
import PicketCore

/// Connects, optionally sends `probe_data`, and waits for `expected_response` in the reply.
final class TCPProbeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let check: TCPCheck
    private let spec: HealthCheckSpec
    private let attempt: ProbeAttempt
    private var reply: ByteBuffer?

    init(check: TCPCheck, spec: HealthCheckSpec, attempt: ProbeAttempt) {
        self.check = check
        self.spec = spec
        self.attempt = attempt
    }

    func channelActive(context: ChannelHandlerContext) {
        if let data = check.probeData {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: data)), promise: nil)
        }
        if check.expectedResponse == nil {
            attempt.finish(ProbeVerdict.tcp(reply: nil, latency: attempt.elapsed(), check: check, spec: spec))
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if reply == nil { reply = chunk } else { reply!.writeBuffer(&chunk) }
        let text = reply.map { String(buffer: $0) } ?? ""
        let (check, spec, attempt) = (check, spec, attempt)
        attempt.timeoutVerdict = { ProbeVerdict.tcp(reply: text, latency: attempt.elapsed(), check: check, spec: spec) }
        if let expected = check.expectedResponse, text.contains(expected) || reply!.readableBytes >= 65_536 {
            attempt.finish(ProbeVerdict.tcp(reply: text, latency: attempt.elapsed(), check: check, spec: spec))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        attempt.finish(FailureClassifier.outcome(error, latency: attempt.elapsed()))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        attempt.finish(ProbeVerdict.tcp(reply: reply.map { String(buffer: $0) }, latency: attempt.elapsed(), check: check, spec: spec))
        context.fireChannelInactive()
    }
}
