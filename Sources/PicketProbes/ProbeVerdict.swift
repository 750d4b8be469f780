import PicketCore

/// Judges what a probe saw against what its check expects. Pure, so the rules are tested apart from
/// sockets: wrong status first, then wrong body, then too slow.
enum ProbeVerdict {
    static func http(status: Int, body: String?, latency: Duration, check: HTTPCheck, spec: HealthCheckSpec) -> ProbeOutcome {
        let evidence = ProbeEvidence(statusCode: status, latency: latency)
        guard check.expectedStatus.contains(status) else {
            return .failed(.badStatus, ProbeEvidence(statusCode: status, latency: latency, message: "expected \(check.expectedStatus)"))
        }
        if let expected = check.expectedBody, !(body ?? "").contains(expected) {
            return .failed(.badBody, ProbeEvidence(statusCode: status, latency: latency, message: "body lacks '\(expected)'"))
        }
        return timed(evidence, spec: spec)
    }

    static func tcp(reply: String?, latency: Duration, check: TCPCheck, spec: HealthCheckSpec) -> ProbeOutcome {
        if let expected = check.expectedResponse, !(reply ?? "").contains(expected) {
            return .failed(.badBody, ProbeEvidence(latency: latency, message: "reply lacks '\(expected)'"))
        }
        return timed(ProbeEvidence(latency: latency), spec: spec)
    }

    private static func timed(_ evidence: ProbeEvidence, spec: HealthCheckSpec) -> ProbeOutcome {
        if let limit = spec.maxResponseTime, let latency = evidence.latency, latency > limit {
            var slow = evidence
            slow.message = "slower than \(limit.shortDescription)"
            return .failed(.slow, slow)
        }
        return .passed(evidence)
    }
}
