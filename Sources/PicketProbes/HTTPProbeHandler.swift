import NIOCore
import NIOHTTP1
import PicketCore

/// Sends one health-check request on a fresh connection and completes the probe with the verdict.
///
/// A fresh connection per check is deliberate: a pooled connection could hide a backend that no longer
/// accepts new ones, which is exactly what nginx would run into.
final class HTTPProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let check: HTTPCheck
    private let spec: HealthCheckSpec
    private let host: String
    private let attempt: ProbeAttempt
    private var status: Int?
    private var body: ByteBuffer?
    private let keepsBody: Bool

    init(check: HTTPCheck, spec: HealthCheckSpec, host: String, attempt: ProbeAttempt) {
        self.check = check
        self.spec = spec
        self.host = host
        self.attempt = attempt
        keepsBody = check.expectedBody != nil
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + check.headers.count)
        headers.add(name: "Host", value: host)
        headers.add(name: "User-Agent", value: "picket")
        headers.add(name: "Connection", value: "close")
        for field in check.headers { headers.replaceOrAdd(name: field.name, value: field.value) }
        let payload = check.body.map { context.channel.allocator.buffer(string: $0) }
        if let payload { headers.replaceOrAdd(name: "Content-Length", value: String(payload.readableBytes)) }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: check.method), uri: check.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let payload { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var chunk):
            guard keepsBody, (body?.readableBytes ?? 0) < 65_536 else { return }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            let latency = attempt.elapsed()
            let text = body.map { String(buffer: $0) }
            attempt.finish(ProbeVerdict.http(status: status ?? 0, body: text, latency: latency, check: check, spec: spec))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError {
            attempt.finish(.failed(.other, ProbeEvidence(latency: attempt.elapsed(), message: "malformed HTTP response")))
        } else {
            attempt.finish(FailureClassifier.outcome(error, latency: attempt.elapsed()))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        attempt.finish(.failed(.reset, ProbeEvidence(statusCode: status, latency: attempt.elapsed(), message: "connection closed before a full response")))
        context.fireChannelInactive()
    }
}
