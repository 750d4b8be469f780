import DequeModule
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PicketConfig
import PicketCore
import PicketHTTPClient

/// Sends alerts to webhooks without ever slowing the controller loop: `send` only appends to a bounded
/// queue per webhook (full queues drop, counted); a worker per webhook delivers in order, retrying
/// failures with exponential backoff and jitter.
final class AlertDispatcher: Sendable {
    private let lanes: [WebhookLane]

    init(settings: AlertSettings, group: EventLoopGroup, logger: Logger, metrics: PicketMetrics) {
        lanes = settings.webhooks.map { WebhookLane(webhook: $0, settings: settings, group: group, logger: logger, metrics: metrics) }
    }

    func send(_ alert: Alert) {
        for lane in lanes where lane.webhook.wants(alert.kind) { lane.enqueue(alert) }
    }

    func stop() {
        for lane in lanes { lane.stop() }
    }
}

/// One webhook's queue and worker.
private final class WebhookLane: Sendable {
    let webhook: Webhook
    private let queue = NIOLockedValueBox(Deque<Alert>())
    private let capacity: Int
    private let maxRetries: Int
    private let transport: HTTPTransport
    private let logger: Logger
    private let metrics: PicketMetrics
    private let wake: AsyncStream<Void>.Continuation
    private let worker: Task<Void, Never>

    init(webhook: Webhook, settings: AlertSettings, group: EventLoopGroup, logger: Logger, metrics: PicketMetrics) {
        self.webhook = webhook
        capacity = settings.queueSize
        maxRetries = settings.maxRetries
        var tls: TLSClient?
        if webhook.tls {
            do {
                tls = try TLSClient(caFile: webhook.caFile)
            } catch {
                logger.error("webhook \(webhook.url): \(error); its deliveries fail until the config is fixed",
                    metadata: ["event": "webhook_tls_failed", "url": "\(webhook.url)"])
            }
        }
        transport = HTTPTransport(endpoint: .tcp(host: webhook.host, port: webhook.port), group: group, host: webhook.host, tls: tls)
        self.logger = logger
        self.metrics = metrics
        let (stream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        let queue = queue
        let deliver = Self.deliverer(webhook: webhook, transport: transport, maxRetries: settings.maxRetries, logger: logger, metrics: metrics)
        worker = Task {
            for await _ in stream {
                while let alert = queue.withLockedValue({ $0.popFirst() }) {
                    await deliver(alert)
                }
            }
        }
    }

    func enqueue(_ alert: Alert) {
        let accepted = queue.withLockedValue { queue -> Bool in
            guard queue.count < capacity else { return false }
            queue.append(alert)
            return true
        }
        if accepted {
            wake.yield()
        } else {
            metrics.webhook(url: webhook.url, result: .dropped)
        }
    }

    func stop() {
        wake.finish()
        worker.cancel()
    }

    private static func deliverer(
        webhook: Webhook, transport: HTTPTransport, maxRetries: Int, logger: Logger, metrics: PicketMetrics
    ) -> @Sendable (Alert) async -> Void {
        let backoff = Backoff(base: .milliseconds(500), cap: .seconds(30), jitter: 0.2)
        return { alert in
            var random = RandomSource(seed: .random(in: 1...UInt64.max))
            let body = StatusJSON.encode(alert)
            let headers = WebhookSignature.headers(for: webhook, body: body)
            for attempt in 0...maxRetries {
                if Task.isCancelled { return }
                var failure: String
                do {
                    guard !webhook.tls || transport.tls != nil else { throw HTTPTransportError.unreachable(endpoint: webhook.url, reason: "no TLS set up") }
                    let response = try await transport.send(.POST, webhook.path, body: body, headers: headers, timeout: webhook.timeout)
                    if (200..<300).contains(response.status) {
                        metrics.webhook(url: webhook.url, result: .delivered)
                        return
                    }
                    failure = "answered \(response.status)"
                } catch {
                    failure = "\(error)"
                }
                metrics.webhook(url: webhook.url, result: .failedAttempt)
                if attempt == maxRetries {
                    logger.warning("webhook \(webhook.url) gave up on \(alert.event) after \(attempt + 1) tries: \(failure)",
                        metadata: ["event": "webhook_failed", "url": "\(webhook.url)", "alert": "\(alert.event)"])
                    metrics.webhook(url: webhook.url, result: .gaveUp)
                    return
                }
                try? await Task.sleep(for: backoff.delay(attempt: attempt, random: &random))
            }
        }
    }
}
