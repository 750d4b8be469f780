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

/// A reason on Picket's own side that kept a probe from being made. It says nothing about the backend,
/// so it never counts against one: a neighbour that exhausts Picket's descriptors must not eject every
/// healthy backend.
public enum LocalFault: String, Hashable, Sendable, CaseIterable {
    /// EMFILE or ENFILE: Picket or the system has no file descriptor left.
    case descriptorsExhausted = "descriptors_exhausted"
    /// EADDRNOTAVAIL: no local port left to connect from.
    case noLocalPort = "no_local_port"
    /// ENOBUFS or ENOMEM: the kernel had no memory for the socket.
    case noBufferSpace = "no_buffer_space"
}

/// The verdict of one probe attempt.
public enum ProbeOutcome: Hashable, Sendable {
    case passed(ProbeEvidence)
    case failed(FailureClass, ProbeEvidence)
    /// No verdict: the probe could not be made because of a local fault. The backend keeps its state.
    case inconclusive(LocalFault, ProbeEvidence)

    public var passed: Bool {
        if case .passed = self { return true }
        return false
    }

    public var evidence: ProbeEvidence {
        switch self {
        case .passed(let evidence), .failed(_, let evidence), .inconclusive(_, let evidence): return evidence
        }
    }

    public var failureClass: FailureClass? {
        if case .failed(let failureClass, _) = self { return failureClass }
        return nil
    }

    /// The local fault that kept this probe from being made, if any.
    public var localFault: LocalFault? {
        if case .inconclusive(let fault, _) = self { return fault }
        return nil
    }
}
