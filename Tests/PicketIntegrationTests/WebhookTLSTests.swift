import Foundation
import NIOHTTP1
import PicketNginx
import PicketTestSupport
import Testing

/// Webhooks over HTTPS to a real TLS receiver (Python's ssl module) with a test CA made by `openssl`:
/// the receiver's certificate is verified, each body is signed, custom headers arrive.
@Suite(.serialized) struct WebhookTLSTests {
    static let secret = "webhook-secret-0123456789"
    static let receiver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/webhook_receiver.py").path

    /// A CA, a server certificate it signed for 127.0.0.1, and a second CA that signed nothing.
    struct TestPKI {
        let directory: String
        var ca: String { "\(directory)/ca.pem" }
        var otherCA: String { "\(directory)/other-ca.pem" }
        var certificate: String { "\(directory)/server.pem" }
        var key: String { "\(directory)/server.key" }

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-pki-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let script = """
                set -e
                cd "$0"
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=picket-test-ca 2>/dev/null
                openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=another-ca 2>/dev/null
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
                printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > server.ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
                """
            let made = await CommandRunner.run(["/bin/sh", "-c", script, directory], timeout: .seconds(60))
            try #require(made.succeeded, "openssl: \(made.summary)")
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The receiver's JSON lines so far.
    func lines(_ receiver: ChildProcess) -> [[String: Any]] {
        receiver.log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func startReceiver(_ pki: TestPKI) async throws -> (ChildProcess, Int) {
        let log = "\(pki.directory)/receiver.log"
        let receiver = try ChildProcess(["/usr/bin/python3", Self.receiver, pki.certificate, pki.key, Self.secret], logPath: log)
        try #require(await eventually(timeout: .seconds(10)) { receiver.logContains("receiver on ") }, "\(receiver.log)")
        let port = try #require(receiver.log.split(separator: "\n").first.flatMap { Int($0.split(separator: " ").last ?? "") })
        return (receiver, port)
    }

    func settings(port: Int, caFile: String, maxRetries: Int) -> String {
        """
        alerts:
          max_retries: \(maxRetries)
          webhooks:
            - url: https://127.0.0.1:\(port)/hook
              events: [circuit_opened]
              ca_file: \(caFile)
              secret: \(Self.secret)
              headers: {X-Team: platform}

        """
    }

    @Test func anAlertOverHTTPSIsVerifiedSignedAndCarriesItsHeaders() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let (receiver, port) = try await startReceiver(pki)
        try await Stack.with(settings: settings(port: port, caFile: pki.ca, maxRetries: 3)) { stack in
            #expect(try await stack.startPicketThenNginx())
            try await stack.backends[1].stop()
            #expect(await eventually(timeout: .seconds(10)) { !lines(receiver).filter { $0["event"] != nil }.isEmpty }, "\(receiver.log)")
            let delivered = try #require(lines(receiver).first { $0["event"] != nil })
            #expect(delivered["event"] as? String == "circuit_opened")
            #expect(delivered["signature_ok"] as? Bool == true, "the receiver checks the HMAC-SHA256 of the body with the shared secret")
            #expect(delivered["team"] as? String == "platform")
            #expect(stack.logContains("alert circuit_opened (warning): circuit opened for web/\(stack.backends[1].address)"))
        }
        await receiver.stop()
    }

    @Test func aReceiverCertificateFromAnotherCAIsAFailedDeliveryCountedAndRetried() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let (receiver, port) = try await startReceiver(pki)
        let statusPort = freePort()
        let status = "status: {listen: 127.0.0.1:\(statusPort)}\n"
        try await Stack.with(settings: status + settings(port: port, caFile: pki.otherCA, maxRetries: 1)) { stack in
            #expect(try await stack.startPicketThenNginx())
            try await stack.backends[1].stop()
            #expect(await eventually(timeout: .seconds(15)) { stack.logContains("webhook https://127.0.0.1:\(port)/hook gave up on circuit_opened after 2 tries") },
                "\(stack.log.suffix(10))")
            let line = try #require(stack.log.first { $0.contains("gave up on circuit_opened") })
            #expect(line.contains("TLS"), "the reason names the TLS failure: \(line)")
            let metrics = try await StatusAPI(port: statusPort).send(.GET, "/metrics").text
            let url = "https://127.0.0.1:\(port)/hook"
            #expect(metrics.contains(#"picket_webhook_deliveries_total{url="\#(url)",result="failed_attempt"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"picket_webhook_deliveries_total{url="\#(url)",result="gave_up"} 1"#))
            #expect(metrics.contains(#"picket_webhook_deliveries_total{url="\#(url)",result="delivered"} 0"#))
            #expect(lines(receiver).filter { $0["event"] != nil }.isEmpty, "nothing was delivered")
            #expect(lines(receiver).filter { $0["handshake_failed"] != nil }.count == 2, "the receiver saw both handshakes fail: \(receiver.log)")
        }
        await receiver.stop()
    }
}
