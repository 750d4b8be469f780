/// Why a probe failed. The class travels with every transition so that an operator reads "3× refused",
/// not just "down".
public enum FailureClass: String, Hashable, Sendable, CaseIterable {
    case timeout
    case refused
    case reset
    case dns
    case badStatus = "bad_status"
    case badBody = "bad_body"
    case slow
    case other
}

/// What a probe observed: the facts behind a verdict.
public struct ProbeEvidence: Hashable, Sendable, CustomStringConvertible {
    public var statusCode: Int?
    public var latency: Duration?
    public var message: String?

    public init(statusCode: Int? = nil, latency: Duration? = nil, message: String? = nil) {
        self.statusCode = statusCode
        self.latency = latency
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let statusCode { parts.append("status \(statusCode)") }
        if let latency { parts.append("in \(latency.shortDescription)") }
        if let message { parts.append(message) }
        return parts.joined(separator: ", ")
    }
}

/// The verdict of one probe attempt.
public enum ProbeOutcome: Hashable, Sendable {
    case passed(ProbeEvidence)
    case failed(FailureClass, ProbeEvidence)

    public var passed: Bool {
        if case .passed = self { return true }
        return false
    }

    public var evidence: ProbeEvidence {
        switch self {
        case .passed(let evidence), .failed(_, let evidence): return evidence
        }
    }

    public var failureClass: FailureClass? {
        if case .failed(let failureClass, _) = self { return failureClass }
        return nil
    }
}
