import DequeModule
import NIOCore
import NIOPosix
import PicketCore

/// Runs probes on one event loop with bounded concurrency.
///
/// Probes beyond `maxConcurrent` wait in a queue; a probe's timeout starts only when it is actually
/// sent, so an overloaded engine falls behind visibly (each report carries its lag) instead of failing
/// healthy backends because it was late. All state is confined to the event loop: no locks and no task
/// per probe, only a handler that completes a callback.
public final class ProbeEngine: @unchecked Sendable {
    public typealias Completion = @Sendable (ProbeReport, ProbeTiming) -> Void

    private let loop: EventLoop
    private let maxConcurrent: Int
    private var running = 0
    private var waiting = Deque<(ProbeRequest, Completion)>()

    public init(eventLoop: EventLoop, maxConcurrent: Int) {
        loop = eventLoop
        self.maxConcurrent = max(1, maxConcurrent)
    }

    /// Starts (or queues) a probe; `completion` runs on the engine's event loop.
    public func submit(_ request: ProbeRequest, completion: @escaping Completion) {
        submit([request], completion: completion)
    }

    /// Starts (or queues) probes with one hop onto the event loop for the whole batch.
    public func submit(_ requests: [ProbeRequest], completion: @escaping Completion) {
        guard !requests.isEmpty else { return }
        if loop.inEventLoop {
            for request in requests { enqueue(request, completion) }
        } else {
            loop.execute { for request in requests { self.enqueue(request, completion) } }
        }
    }

    /// Probes once and returns the outcome: for one-shot commands (`picket check`).
    public func probe(_ request: ProbeRequest) async -> ProbeOutcome {
        await withCheckedContinuation { continuation in
            submit(request) { report, _ in continuation.resume(returning: report.outcome) }
        }
    }

    private func enqueue(_ request: ProbeRequest, _ completion: @escaping Completion) {
        if running < maxConcurrent {
            start(request, completion)
        } else {
            waiting.append((request, completion))
        }
    }

    private func start(_ request: ProbeRequest, _ completion: @escaping Completion) {
        running += 1
        let sent = NIODeadline.now()
        let attempt = ProbeAttempt(started: sent) { [self] outcome in
            running -= 1
            let lag = Duration.nanoseconds(Int64(sent.uptimeNanoseconds) - request.dueAt.nanoseconds)
            completion(request.report(outcome), ProbeTiming(lag: lag))
            if running < maxConcurrent, let (next, nextCompletion) = waiting.popFirst() {
                start(next, nextCompletion)
            }
        }
        let timeout = request.check.timeout
        attempt.arm(loop.scheduleTask(deadline: sent + .nanoseconds(timeout.nanoseconds)) {
            attempt.finish(attempt.timeoutVerdict?() ?? .failed(.timeout, ProbeEvidence(latency: timeout, message: "no answer within \(timeout.shortDescription)")))
            attempt.channel?.close(promise: nil)
        })
        let check = request.check
        let host = hostHeader(request.target)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(timeout.nanoseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    attempt.channel = channel
                    Self.resetOnClose(channel)
                    let pipeline = channel.pipeline.syncOperations
                    switch check.kind {
                    case .http(let http):
                        try pipeline.addHTTPClientHandlers()
                        try pipeline.addHandler(HTTPProbeHandler(check: http, spec: check, host: host, attempt: attempt))
                    case .tcp(let tcp):
                        try pipeline.addHandler(TCPProbeHandler(check: tcp, spec: check, attempt: attempt))
                    }
                }
            }
        connect(bootstrap, to: request.target).whenFailure { error in
            attempt.finish(FailureClassifier.outcome(error, latency: attempt.elapsed()))
        }
    }

    private func connect(_ bootstrap: ClientBootstrap, to address: ServerAddress) -> EventLoopFuture<Channel> {
        do {
            switch address.kind {
            case .unix(let path):
                return bootstrap.connect(to: try SocketAddress(unixDomainSocketPath: path))
            case .network(.ipv4(let ip), let port), .network(.ipv6(let ip), let port):
                return bootstrap.connect(to: try SocketAddress(ipAddress: ip, port: port))
            case .network(.name(let name), let port):
                return bootstrap.connect(host: name, port: port)
            }
        } catch {
            return loop.makeFailedFuture(error)
        }
    }

    /// Closes with RST instead of FIN (SO_LINGER 0), as HAProxy does for checks: thousands of checks a
    /// second would otherwise leave as many sockets in TIME_WAIT and exhaust ephemeral ports.
    private static func resetOnClose(_ channel: Channel) {
        guard let provider = channel as? SocketOptionProvider else { return }
        _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
    }

    private func hostHeader(_ address: ServerAddress) -> String {
        if case .unix = address.kind { return "localhost" }
        return address.description
    }
}

/// How late a probe was sent against its schedule.
public struct ProbeTiming: Sendable {
    public let lag: Duration
}
