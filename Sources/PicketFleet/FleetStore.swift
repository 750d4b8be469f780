import Logging
import PicketStore
import PostgresNIO

/// The fleet database read back: this node's remembered state, health reports from this node's
/// checks, and every node's view of every backend (`picket status`, `GET /v1/fleet`).
public struct FleetStore: StateReading {
    let database: FleetDatabase

    public init(database: FleetDatabase) {
        self.database = database
    }

    public var location: String { database.connection.url.description }

    public func remembered() async throws(StoreError) -> [StoredBackend] {
        let node = database.node, logger = database.logger
        return try await read { connection in
            let rows = try await connection.query("""
                SELECT app, address, phase, circuit_open, consecutive_failures, flaps, operator_drained, restarts, quarantine_reason, updated_at, in_rotation
                FROM picket_backend_state WHERE node = \(node) ORDER BY app, address
                """, logger: logger)
            var found: [StoredBackend] = []
            for try await (app, address, phase, circuit, failures, flaps, drained, restarts, quarantine, updated, inRotation)
                in rows.decode((String, String, String, Bool, Int, Int, Bool, String, String?, Double, Bool).self)
            {
                found.append(StoredBackend(
                    app: app, address: address, phase: phase, circuitOpen: circuit, consecutiveFailures: failures, flaps: flaps,
                    operatorDrained: drained, restarts: restarts.split(separator: ",").compactMap { Double($0) }, quarantineReason: quarantine,
                    updatedAt: updated, inRotation: inRotation))
            }
            return found
        }
    }

    /// What the other nodes spent on containers: each backend row with restarts or a quarantine and the
    /// container they are about. A node taking an engine's lease takes these in first.
    public func peerRecovery() async throws(StoreError) -> [StoredBackend] {
        let node = database.node, logger = database.logger
        return try await read { connection in
            let rows = try await connection.query("""
                SELECT app, address, restarts, quarantine_reason, updated_at, container FROM picket_backend_state
                WHERE node <> \(node) AND container IS NOT NULL AND (restarts <> '' OR quarantine_reason IS NOT NULL)
                """, logger: logger)
            var found: [StoredBackend] = []
            for try await (app, address, restarts, quarantine, updated, container) in rows.decode((String, String, String, String?, Double, String).self) {
                found.append(StoredBackend(
                    app: app, address: address, phase: "", circuitOpen: false, consecutiveFailures: 0, flaps: 0, operatorDrained: false,
                    restarts: restarts.split(separator: ",").compactMap { Double($0) }, quarantineReason: quarantine, updatedAt: updated,
                    container: container))
            }
            return found
        }
    }

    /// Counted from this node's own checks (every node checks every backend: adding theirs would count
    /// each check three times over in a fleet of three). Exact over any window within retention.
    public func report(app: String, since: Double, until: Double) async throws(StoreError) -> AppReport {
        let node = database.node, logger = database.logger
        return try await read { connection in
            let totals = try await connection.query("""
                SELECT count(*), count(*) FILTER (WHERE passed), count(latency_ms), avg(latency_ms),
                    percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms)
                FROM picket_checks WHERE node = \(node) AND app = \(app) AND at >= \(since) AND at <= \(until)
                """, logger: logger)
            var total = 0, passed = 0
            var average: Double?, p95: Double?
            for try await (count, ok, _, mean, percentile) in totals.decode((Int, Int, Int, Double?, Double?).self) {
                (total, passed, average, p95) = (count, ok, mean, percentile)
            }
            let failures = try await connection.query("""
                SELECT coalesce(failure_class, 'other'), count(*) FROM picket_checks
                WHERE node = \(node) AND app = \(app) AND at >= \(since) AND at <= \(until) AND NOT passed GROUP BY 1
                """, logger: logger)
            var errors: [String: Int] = [:]
            for try await (kind, count) in failures.decode((String, Int).self) { errors[kind] = count }
            func rounded(_ value: Double?) -> Double? { value.map { ($0 * 1000).rounded() / 1000 } }
            return AppReport(
                app: app, windowSeconds: until - since, totalChecks: total, successfulChecks: passed, failedChecks: total - passed,
                uptimePercent: total == 0 ? nil : (Double(passed) * 10_000 / Double(total)).rounded() / 100,
                averageResponseMs: rounded(average), p95ResponseMs: rounded(p95), errors: errors)
        }
    }

    /// Every node's view of every backend, the nodes themselves, who holds each lease, and the last
    /// recovery step each backend saw (the node that acted).
    public func views() async throws(StoreError) -> FleetView {
        let logger = database.logger
        return try await read { connection in
            var view = FleetView(nodes: [], leases: [], backends: [])
            let nodes = try await connection.query("""
                SELECT name, EXTRACT(EPOCH FROM now() - seen_at)::FLOAT8, last_action FROM picket_nodes ORDER BY name
                """, logger: logger)
            for try await (name, age, lastAction) in nodes.decode((String, Double, Int).self) {
                view.nodes.append(FleetView.Node(name: name, secondsSinceSeen: (age * 10).rounded() / 10, lastAction: lastAction))
            }
            let leases = try await connection.query("""
                SELECT scope, holder, token, EXTRACT(EPOCH FROM expires_at - now())::FLOAT8 FROM picket_leases ORDER BY scope
                """, logger: logger)
            for try await (scope, holder, token, left) in leases.decode((String, String, Int, Double).self) {
                view.leases.append(FleetView.Lease(scope: scope, holder: holder, token: token, secondsLeft: (left * 10).rounded() / 10))
            }
            let states = try await connection.query("""
                SELECT app, address, node, phase, in_rotation, operator_drained, circuit_open, quarantine_reason, updated_at
                FROM picket_backend_state ORDER BY app, address, node
                """, logger: logger)
            var byBackend: [String: Int] = [:]
            for try await (app, address, node, phase, inRotation, drained, circuit, quarantine, updated)
                in states.decode((String, String, String, String, Bool, Bool, Bool, String?, Double).self)
            {
                let key = "\(app)\u{0}\(address)"
                if byBackend[key] == nil {
                    byBackend[key] = view.backends.count
                    view.backends.append(FleetView.Backend(app: app, address: address, views: [], lastAction: nil))
                }
                view.backends[byBackend[key]!].views.append(FleetView.NodeView(
                    node: node, phase: phase, inRotation: inRotation, operatorDrained: drained, circuitOpen: circuit, quarantine: quarantine,
                    updatedAt: updated))
            }
            let actions = try await connection.query("""
                SELECT DISTINCT ON (app, address) app, address, node, at, detail FROM picket_events
                WHERE kind = 'recovery' ORDER BY app, address, id DESC
                """, logger: logger)
            for try await (app, address, node, at, detail) in actions.decode((String, String, String, Double, String).self) {
                guard let index = byBackend["\(app)\u{0}\(address)"] else { continue }
                view.backends[index].lastAction = FleetView.Action(node: node, at: at, detail: detail)
            }
            return view
        }
    }

    private func read<Result: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws(StoreError) -> Result {
        do {
            return try await database.use(database.reads, work)
        } catch {
            throw StoreError(path: location, reason: words(for: error))
        }
    }
}

/// The fleet as the database sees it: `GET /v1/fleet` and `picket status`.
public struct FleetView: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public let name: String
        public let secondsSinceSeen: Double
        /// The last operator action this node has taken in.
        public let lastAction: Int
    }

    public struct Lease: Codable, Sendable, Equatable {
        public let scope: String
        public let holder: String
        public let token: Int
        public let secondsLeft: Double
    }

    public struct NodeView: Codable, Sendable, Equatable {
        public let node: String
        public let phase: String
        public let inRotation: Bool
        public let operatorDrained: Bool
        public let circuitOpen: Bool
        public let quarantine: String?
        public let updatedAt: Double
    }

    public struct Action: Codable, Sendable, Equatable {
        public let node: String
        public let at: Double
        public let detail: String
    }

    public struct Backend: Codable, Sendable, Equatable {
        public let app: String
        public let address: String
        public var views: [NodeView]
        /// The last recovery step taken on this backend's container, and the node that took it.
        public var lastAction: Action?
    }

    public var nodes: [Node]
    public var leases: [Lease]
    public var backends: [Backend]
}
