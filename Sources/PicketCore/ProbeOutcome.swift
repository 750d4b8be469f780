/// Why a probe failed. The class travels with every transition so that an operator reads "3× refused",
/// not just "down".
///
/// New cases go at the end: the state database stores a class by its position (in four bits, so 15
/// classes at most).
public enum FailureClass: String, Hashable, Sendable, CaseIterable {
    case timeout
    case refused
    case reset
    case dns
    case badStatus = "bad_status"
    case badBody = "bad_body"
    case slow
    case other
    /// The TLS handshake failed; `ProbeEvidence.tls` says how.
    case tls
    /// gRPC: the health service answered, but not `SERVING`.
    case notServing = "not_serving"
    /// gRPC: the health service does not know the checked service (status NOT_FOUND).
    case unknownService = "unknown_service"
    /// gRPC: the server has no health service (status UNIMPLEMENTED).
    case unimplemented
    /// gRPC: the call could not reach a server (status UNAVAILABLE).
    case unavailable
}

/// How a TLS handshake failed, as blackbox exporters and browsers tell it apart: each calls for a
/// different fix (renew, fix the clock, add the CA, fix the name, look at the server).
public enum TLSFailure: String, Hashable, Sendable, CaseIterable {
    case expired
    case notYetValid = "not_yet_valid"
    case unknownCA = "unknown_ca"
    case nameMismatch = "name_mismatch"
    case handshakeTimeout = "handshake_timeout"
    case protocolError = "protocol_error"
}

/// What a probe observed: the facts behind a verdict.
public struct ProbeEvidence: Hashable, Sendable, CustomStringConvertible {
    public var statusCode: Int?
    public var latency: Duration?
    public var message: String?
    /// How the TLS handshake failed (failure class `tls`).
    public var tls: TLSFailure?
    /// When the backend's certificate expires, in seconds since 1970 (TLS checks, passed or failed once
    /// the certificate was seen).
    public var certificateExpiry: Int64?

    public init(statusCode: Int? = nil, latency: Duration? = nil, message: String? = nil, tls: TLSFailure? = nil, certificateExpiry: Int64? = nil) {
        self.statusCode = statusCode
        self.latency = latency
        self.message = message
        self.tls = tls
        self.certificateExpiry = certificateExpiry
    }

    public var description: String {
        var parts: [String] = []
        if let tls { parts.append(tls.rawValue) }
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
    /// Not sent: an edge probe the runner dropped because every slot was taken (`ProbeRequest.edge`).
    /// It says nothing about the backend and is not a check: only its ticket is let go.
    case shed

    public var passed: Bool {
        if case .passed = self { return true }
        return false
    }

    public var evidence: ProbeEvidence {
        switch self {
        case .passed(let evidence), .failed(_, let evidence), .inconclusive(_, let evidence): return evidence
        case .shed: return ProbeEvidence()
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
