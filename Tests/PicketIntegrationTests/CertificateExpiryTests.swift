import Foundation
import NIOPosix
import PicketTestSupport
import Testing

/// A TLS backend's certificate seen by a running Picket: the expiry gauge, days left in `why` and the
/// API, the `tls_cert_expiring` alert, and an expired certificate as a `tls` failure with its kind.
@Suite(.serialized) struct CertificateExpiryTests {
    @Test func aCertificateCloseToExpiryIsExportedExplainedAndAlertedOnceAndAnExpiredOneFailsTheBackend() async throws {
        let certificates = try await TLSCertificates.make()
        let servers = try await TLSNginx(certificates: certificates)
        let receiver = try await ScriptedBackend(name: "receiver", group: MultiThreadedEventLoopGroup.singleton)
        let status = freePort()
        let (valid, expired) = (servers.address(.serving(.valid)), servers.address(.serving(.expired)))
        let settings = """
            status: {listen: 127.0.0.1:\(status)}
            alerts: {webhooks: [{url: "http://\(receiver.address)/hook", events: [tls_cert_expiring]}]}

            """
        let secure = """

              - name: secure
                health_check: {type: https, path: /health, interval: 300ms, timeout: 250ms, failure_threshold: 1, tls: {ca_file: \(certificates.caFile), expiry_warning_days: 60}}
                instances: [\(valid), \(expired)]
            """
        try await Stack.with(settings: settings, moreApps: secure) { stack in
            #expect(try await stack.startPicketThenNginx())
            #expect(await eventually(timeout: .seconds(5)) { receiver.bodies.count >= 2 })
            let alerts = try receiver.bodies.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            let byBackend = Dictionary(alerts.map { ($0["backend"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(alerts.allSatisfy { $0["event"] as? String == "tls_cert_expiring" && $0["app"] as? String == "secure" })
            // Valid for 30 days from when openssl signed it: 29 or 30 whole days left, by the second it is read.
            let days = try #require((byBackend[valid]?["evidence"] as? [String: String])?["days_left"], "\(alerts)")
            #expect(["29", "30"].contains(days), "\(alerts)")
            #expect((byBackend[valid]?["message"] as? String)?.contains("expires in \(days) days") == true, "\(alerts)")
            #expect((byBackend[expired]?["message"] as? String)?.contains("expired") == true, "\(alerts)")

            let metrics = try await HTTPGet.get(port: status, path: "/metrics", group: MultiThreadedEventLoopGroup.singleton).body
            let gauge = metrics.split(separator: "\n").first { $0.hasPrefix("picket_backend_tls_cert_expiry_timestamp_seconds{app=\"secure\",backend=\"\(valid)\"}") }
            let expiry = try #require(gauge.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }, "\(metrics)")
            #expect(expiry > Date().timeIntervalSince1970 + 29 * 86_400)
            #expect(metrics.contains("# HELP picket_backend_tls_cert_expiry_timestamp_seconds "), "promtool wants HELP for every family")
            let expiredGauge = "picket_backend_tls_cert_expiry_timestamp_seconds{app=\"secure\",backend=\"\(expired)\"} 1580515200"
            #expect(metrics.contains(expiredGauge), "the expired certificate is exported too")

            let document = try await HTTPGet.get(port: status, path: "/v1/apps/secure/backends/\(valid)", group: MultiThreadedEventLoopGroup.singleton).body
            let backend = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
            let left = try #require((backend["tls_certificate"] as? [String: Any])?["days_left"] as? Int, "\(document)")
            #expect([29, 30].contains(left), "\(document)")
            #expect((backend["why"] as? String)?.contains("TLS certificate expires in \(left) days") == true, "\(document)")

            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains("server \(expired)") || stack.nginx.output.contains("server \(expired) down") })
            let out = try await HTTPGet.get(port: status, path: "/v1/apps/secure/backends/\(expired)", group: MultiThreadedEventLoopGroup.singleton).body
            #expect(out.contains("\"failure_class\":\"tls\"") && out.contains("\"tls\":\"expired\""), "\(out)")
            #expect(out.contains("TLS certificate expired"), "\(out)")

            try await Task.sleep(for: .seconds(1))
            #expect(receiver.bodies.count == 2, "one alert per certificate, not one per check")
        }
        try await receiver.stop()
        await servers.stop()
        certificates.remove()
    }
}
