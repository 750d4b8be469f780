import GRDB
import PicketCore

/// One backend's remembered state, with wall-clock times (epoch seconds).
public struct StoredBackend: Sendable, Equatable {
    public var app: String
    public var address: String
    public var phase: String
    public var circuitOpen: Bool
    public var consecutiveFailures: Int
    public var flaps: Int
    public var operatorDrained: Bool
    public var restarts: [Double]
    public var quarantineReason: String?
    public var updatedAt: Double
    /// Whether nginx should route to it: a fleet shows each node's view; SQLite does not keep it.
    public var inRotation: Bool
    /// The container its restarts and quarantine are about: a fleet shares them; SQLite does not keep it.
    public var container: String?

    public init(
        app: String, address: String, phase: String, circuitOpen: Bool, consecutiveFailures: Int, flaps: Int, operatorDrained: Bool,
        restarts: [Double], quarantineReason: String?, updatedAt: Double, inRotation: Bool = false, container: String? = nil
    ) {
        self.app = app
        self.address = address
        self.phase = phase
        self.circuitOpen = circuitOpen
        self.consecutiveFailures = consecutiveFailures
        self.flaps = flaps
        self.operatorDrained = operatorDrained
        self.restarts = restarts
        self.quarantineReason = quarantineReason
        self.updatedAt = updatedAt
        self.inRotation = inRotation
        self.container = container
    }

    init(row: Row) {
        app = row["app"]
        address = row["address"]
        phase = row["phase"]
        circuitOpen = row["circuit_open"]
        consecutiveFailures = row["consecutive_failures"]
        flaps = row["flaps"]
        operatorDrained = row["operator_drained"]
        let text: String = row["restarts"]
        restarts = text.split(separator: ",").compactMap { Double($0) }
        quarantineReason = row["quarantine_reason"]
        updatedAt = row["updated_at"]
        inRotation = false
    }
}

/// One check result: plain data (its backend by number, its failure by the core's `FailureClass`),
/// so that the thousands a second the loop makes and the writer reads are copied without a retain
/// and none has text to build or parse back.
public struct CheckRow: Sendable {
    public let at: Double
    public let backend: BackendNumber
    public let passed: Bool
    public let failureClass: FailureClass?
    public let latencyMs: Double?
    public let status: Int?

    public init(at: Double, backend: BackendNumber, passed: Bool, failureClass: FailureClass?, latencyMs: Double?, status: Int?) {
        self.at = at
        self.backend = backend
        self.passed = passed
        self.failureClass = failureClass
        self.latencyMs = latencyMs
        self.status = status
    }
}

/// One line of the event log (transitions, recovery steps, operator actions).
public struct EventRow: Sendable {
    public let at: Double
    public let app: String
    public let address: String
    public let kind: String
    public let detail: String

    public init(at: Double, app: String, address: String, kind: String, detail: String) {
        self.at = at
        self.app = app
        self.address = address
        self.kind = kind
        self.detail = detail
    }
}

/// What one flush writes.
public struct StoreBatch: Sendable {
    public var checks: [CheckRow] = []
    /// Every backend numbered so far, by number: what the checks' numbers stand for.
    public internal(set) var numbered: [BackendID] = []
    /// Which buffer gave the numbers.
    var numberedBy = 0
    public var events: [EventRow] = []
    /// Latest state per backend (a later update replaces an earlier one in the same batch).
    public var backends: [String: StoredBackend] = [:]
    /// Backends to forget, as (app, address).
    public var forget: [(String, String)] = []

    public var isEmpty: Bool { checks.isEmpty && events.isEmpty && backends.isEmpty && forget.isEmpty }

    /// The backend a check names; nil for a number its buffer never gave.
    public func backend(of check: CheckRow) -> BackendID? {
        let number = Int(check.backend.value)
        return number < numbered.count ? numbered[number] : nil
    }
    public var count: Int { checks.count + events.count + backends.count + forget.count }
}
