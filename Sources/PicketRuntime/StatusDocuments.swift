import Foundation
import PicketCore
import PicketPassive

/// The JSON shapes of the status API (the CLI decodes the same types). Field names are snake_case on the wire; every document is built
/// by the controller loop from the core's state, so what the API says is what Picket decides on.
public struct AppSummary: Codable, Sendable {
    public let name: String
    public let backends: Int
    public let inRotation: Int
    public let docker: Bool
}

public struct AppDocument: Codable, Sendable {
    public let name: String
    /// The nginx block its upstream lives in: `http` or `stream`.
    public let context: String
    public let balance: String
    public let whenAllDown: String
    public let docker: Bool
    public let backends: [BackendDocument]
}

public struct BackendDocument: Codable, Sendable {
    public let app: String
    public let address: String
    public let phase: String
    public let circuit: String
    public let inRotation: Bool
    /// Why it is in or out of rotation, as a code (`passed`, `failed`, `circuit_open`, `drained_operator`…).
    public let rotationReason: String
    /// Whether and by whom it is drained: `none`, `config` (the config file) or `operator` (the API).
    public let drain: String
    public let consecutiveSuccesses: Int
    public let consecutiveFailures: Int
    /// What the counts move toward: passes to come back, failures to go out, failures to open the circuit.
    public let thresholds: ThresholdsDocument?
    /// Re-ejections soon after a readmission still counted against it (flap damping).
    public let flaps: Int
    /// While it ramps up after rejoining (slow start): the weight step, of `slow_start_steps`.
    public let slowStartStep: Int?
    public let sinceSeconds: Double
    /// Why it is where it is, in words.
    public let why: String
    public let lastFailure: CheckDocument?
    public let container: ContainerDocument?
    public let recovery: RecoveryDocument?
    public let lastChecks: [CheckDocument]
    /// Live traffic through nginx over the last ten seconds (passive detection), when nginx reports it.
    public let traffic: TrafficSummary?
    /// The certificate a TLS backend presented at its last check.
    public let tlsCertificate: CertificateDocument?
}

/// When a TLS backend's certificate expires, and the whole days left (negative once passed).
public struct CertificateDocument: Codable, Sendable {
    public let expiresAt: String
    public let daysLeft: Int

    init(expiry: Int64, now: Date) {
        expiresAt = FixedText.iso8601(epochSeconds: expiry)
        daysLeft = CertificateWatch.daysLeft(expiry: expiry, now: Int64(now.timeIntervalSince1970))
    }
}

public struct ThresholdsDocument: Codable, Sendable {
    public let success: Int
    public let failure: Int
    public let circuit: Int
}

public struct CheckDocument: Codable, Sendable {
    public let at: String?
    public let passed: Bool
    public let failureClass: String?
    public let status: Int?
    public let latencyMs: Double?
    public let message: String?
    /// How a TLS handshake failed (`expired`, `unknown_ca`, `name_mismatch`…), for class `tls`.
    public let tls: String?

    init(_ outcome: ProbeOutcome, at: Date?) {
        self.init(CheckSummary(outcome), at: at)
    }

    init(_ check: CheckSummary, at: Date?) {
        self.at = at?.iso8601
        passed = check.passed
        failureClass = check.failureClass?.rawValue
        status = check.status.map(Int.init)
        latencyMs = check.latencyMs
        message = check.message
        tls = check.tls?.rawValue
    }
}

public struct ContainerDocument: Codable, Sendable {
    public let id: String
    public let name: String
    public let state: String
    public let health: String?
}

public struct RecoveryDocument: Codable, Sendable {
    public let phase: String
    public let trigger: String?
    public let restartsInWindow: Int
    public let failedAttempts: Int
}

/// A JSON error body: `{"error": {"status": 404, "message": "..."}}`.
struct ErrorDocument: Encodable, Sendable {
    struct Detail: Encodable, Sendable {
        let status: Int
        let message: String
    }

    let error: Detail
}

extension BackendDocument {
    init(_ backend: BackendSnapshot, why: String, checks: [CheckDocument], traffic: TrafficSummary?, certificate: CertificateDocument?, now: Instant) {
        app = backend.id.app.description
        address = backend.id.address.description
        phase = backend.state.phase.rawValue
        circuit = backend.state.circuit.rawValue
        inRotation = backend.inRotation
        rotationReason = backend.rotation.code
        drain = backend.instance.drain ? DrainSource.config.rawValue : (backend.operatorDrained ? DrainSource.operator.rawValue : "none")
        consecutiveSuccesses = backend.state.consecutiveSuccesses
        consecutiveFailures = backend.state.consecutiveFailures
        thresholds = ThresholdsDocument(
            success: backend.check.successThreshold, failure: min(backend.check.failureThreshold, backend.circuit.failureThreshold),
            circuit: backend.circuit.failureThreshold)
        flaps = backend.state.flaps
        slowStartStep = backend.rampStep
        sinceSeconds = ((now - backend.state.since).milliseconds).rounded() / 1000
        self.why = why
        lastFailure = backend.state.lastFailure.map { CheckDocument(.failed($0.failureClass, $0.evidence), at: nil) }
        container = backend.container.map { ContainerDocument(id: $0.id, name: $0.name, state: $0.state.rawValue, health: $0.health?.rawValue) }
        recovery = backend.container.map { _ in
            RecoveryDocument(
                phase: backend.recovery.phase.name, trigger: backend.recovery.trigger?.words, restartsInWindow: backend.recovery.restarts.count,
                failedAttempts: backend.recovery.failedAttempts)
        }
        lastChecks = checks
        self.traffic = traffic
        tlsCertificate = certificate
    }
}

enum StatusJSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8)) + [UInt8(ascii: "\n")]
    }
}
