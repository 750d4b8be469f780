import Foundation
import NIOConcurrencyHelpers
import PicketTestSupport
import Testing

/// A flood of access-log datagrams costs the passive listener's thread and nothing else: the controller
/// loop keeps probing on schedule and the status API answers. Ingestion has no queue of its own (one
/// tally per backend, the loop told at most every 10 ms); the socket's kernel queue is the only buffer,
/// and when it is full the sender's datagram is refused there.
@Suite(.serialized) struct PassiveFloodTests {
    /// Sends one valid datagram after another, without waiting for room in the socket's queue, until
    /// stopped; counts what the kernel took and what it refused.
    final class Flood: Sendable {
        private let counts = NIOLockedValueBox((sent: 0, refused: 0, stopped: false))

        init(socket: String, line: String) {
            let counts = counts
            Thread {
                let sender = DatagramSender(to: socket)
                defer { sender.close() }
                let bytes = Array(line.utf8)
                var sent = 0, refused = 0
                while true {
                    if sender.send(bytes, waiting: false) { sent += 1 } else { refused += 1 }
                    guard (sent + refused) % 256 == 0 else { continue }
                    let stopped = counts.withLockedValue { counts in
                        counts.sent = sent
                        counts.refused = refused
                        return counts.stopped
                    }
                    if stopped { return }
                }
            }.start()
        }

        /// Stops the sender; returns what it sent and what the kernel refused.
        func stop() async -> (sent: Int, refused: Int) {
            counts.withLockedValue { $0.stopped = true }
            try? await Task.sleep(for: .milliseconds(100))
            return counts.withLockedValue { ($0.sent, $0.refused) }
        }
    }

    @Test func aDatagramFloodDelaysNeitherChecksNorTheStatusAPI() async throws {
        let stack = try await PassiveDetectionTests.PassiveStack(
            health: "{path: /health, interval: 200ms, fast_interval: 200ms, timeout: 150ms, failure_threshold: 2, success_threshold: 1}",
            passive: PassiveTrafficTests.measureOnly)
        defer { Task { await stack.shutdown() } }
        let accepted = "picket_passive_datagrams_total{result=\"accepted\"} "
        let acceptedBefore = await stack.metric(accepted) ?? 0
        let checksBefore = stack.backends.map(\.requestsServed)
        let line = "picket1\t\(Date().timeIntervalSince1970)\tweb\t\(stack.backends[0].address)\t200\t0.001\t0.001\t0.001\t200\t0.001"
        let clock = ContinuousClock()
        let started = clock.now
        let flood = Flood(socket: stack.socket, line: line)
        var answered: [Bool] = []
        while clock.now - started < .seconds(3) {
            answered.append((try? await stack.api.send(.GET, "/healthz"))?.status == 200)
            try await Task.sleep(for: .milliseconds(250))
        }
        let checks = zip(stack.backends.map(\.requestsServed), checksBefore).map { $0 - $1 }
        let elapsed = clock.now - started
        let (sent, refused) = await flood.stop()

        let expected = elapsed / .milliseconds(200)
        #expect(checks.allSatisfy { Double($0) >= expected * 0.5 }, "each backend checked every 200 ms: \(checks) checks in \(elapsed), \(Int(expected)) due")
        #expect(answered.count >= 2 && answered.allSatisfy { $0 }, "/healthz answered all through the flood: \(answered)")
        #expect(sent > 1_000, "the flood reached Picket: \(sent) sent, \(refused) refused by a full queue")
        var taken = 0.0
        _ = await eventually(timeout: .seconds(3)) {
            taken = (await stack.metric(accepted) ?? 0) - acceptedBefore
            return Int(taken) >= sent
        }
        #expect(Int(taken) >= sent, "every datagram the kernel took was folded in, none lost inside Picket: \(taken) of \(sent) (nginx's own lines may add a few)")
        #expect(stack.backends.allSatisfy { stack.nginx.output.contains("server \($0.address) ") }, "nothing left rotation")
    }
}
