import Foundation
import PicketCore
import Testing

@testable import PicketRuntime

@Suite struct RecentChecksTests {
    private let backend = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8080"))

    private func report(status: Int) -> ProbeReport {
        ProbeRequest(backend: backend, target: backend.address, check: HealthCheckSpec(), attempt: 0, ticket: UInt64(status), dueAt: .zero)
            .report(.passed(ProbeEvidence(statusCode: status, latency: .milliseconds(1))))
    }

    /// 25 checks go through a ring of 10: the status API gets the last ten, newest first, and a limit
    /// takes the newest of them.
    @Test func theLastTenChecksAreKeptNewestFirst() {
        var checks = RecentChecks()
        for status in 200..<225 {
            checks.record(report(status: status), at: Date(timeIntervalSince1970: Double(status)))
        }
        #expect(checks.documents(for: backend).map(\.status) == Array((215..<225).reversed()))
        #expect(checks.documents(for: backend, limit: 3).map(\.status) == [224, 223, 222])
    }

    @Test func fewerChecksThanTheRingHoldsComeBackNewestFirst() {
        var checks = RecentChecks()
        for status in 200..<204 {
            checks.record(report(status: status), at: Date(timeIntervalSince1970: Double(status)))
        }
        #expect(checks.documents(for: backend).map(\.status) == [203, 202, 201, 200])
        checks.forget([backend])
        #expect(checks.documents(for: backend).isEmpty)
    }
}
