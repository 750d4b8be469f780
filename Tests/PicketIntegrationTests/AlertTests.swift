import Foundation
import NIOPosix
import PicketTestSupport
import Testing

/// Webhook alerts delivered to a real loopback receiver.
@Suite(.serialized) struct AlertTests {
    @Test func aCircuitOpeningIsDeliveredEvenWhenTheReceiverFailsOnce() async throws {
        let receiver = try await ScriptedBackend(name: "receiver", group: MultiThreadedEventLoopGroup.singleton)
        receiver.script([.answer(status: 500, body: "busy")])
        let settings = "alerts: {webhooks: [{url: \"http://\(receiver.address)/hook\", min_severity: warning, events: [circuit_opened]}], max_retries: 3}\n"
        try await Stack.with(settings: settings) { stack in
            #expect(try await stack.startPicketThenNginx())
            let b = stack.backends[1]
            try await b.stop()
            #expect(await eventually(timeout: .seconds(8)) { receiver.bodies.count >= 2 }, "the first delivery fails, the retry succeeds")
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.bodies.count == 2, "delivered once it succeeded: no further tries")
            let alert = try #require(try JSONSerialization.jsonObject(with: Data(receiver.bodies[1].utf8)) as? [String: Any])
            #expect(alert["event"] as? String == "circuit_opened" && alert["severity"] as? String == "warning")
            #expect(alert["app"] as? String == "web" && alert["backend"] as? String == b.address)
            #expect((alert["evidence"] as? [String: String])?["failure_class"] == "refused")
            #expect(receiver.bodies[0] == receiver.bodies[1], "the retry sends the same alert")
        }
        try await receiver.stop()
    }

    @Test func aDeadReceiverNeverDelaysAnEjection() async throws {
        let settings = "alerts: {webhooks: [{url: \"http://127.0.0.1:\(freePort())/hook\", min_severity: info}], max_retries: 10}\n"
        try await Stack.with(settings: settings) { stack in
            #expect(try await stack.startPicketThenNginx())
            let (b, c) = (stack.backends[1], stack.backends[2])
            try await c.stop()
            #expect(await eventually(timeout: .seconds(5)) { stack.logContains("backend web/\(c.address) circuit closed → open") },
                "c's circuit opened: its alert is now retrying against the dead receiver")
            try await b.stop()
            let interval = Duration.milliseconds(500), failureThreshold = 2
            #expect(await eventually(timeout: interval * failureThreshold + .seconds(1)) { !stack.nginx.output.contains(b.address) })
            try await b.start()
            #expect(await eventually(timeout: .seconds(3)) { stack.nginx.output.contains(b.address) }, "readmission is not held up either")
        }
    }
}
