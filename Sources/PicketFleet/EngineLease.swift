import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The right to act on one Docker engine's containers, held by at most one node of the fleet.
///
/// A row per engine in `picket_leases`, timed by the database server's clock (`now()`), so that the
/// nodes' clocks never have to agree. The holder renews every third of the TTL; anyone may take a
/// lease that has expired, and taking it from another node raises its fencing token. Before every
/// Docker action the shell asks `confirm()`: the row must still name this node, with the token it
/// was given, unexpired by the server's clock. When the database does not answer, nothing is
/// confirmed: a node acts only on what it can prove is its own.
public final class EngineLease: Sendable {
    public struct Holding: Sendable, Equatable {
        public let token: Int
    }

    public let scope: String
    private let database: FleetDatabase
    private let ttl: Duration
    private let held = NIOLockedValueBox<Holding?>(nil)

    public init(database: FleetDatabase, scope: String, ttl: Duration) {
        self.database = database
        self.scope = scope
        self.ttl = ttl
    }

    /// The lease as this node last found it.
    public var current: Holding? { held.withLockedValue { $0 } }

    /// Takes or renews the lease every third of the TTL until cancelled; reports each change. Cancelled,
    /// it gives the lease up (a clean shutdown hands over at once rather than after the TTL).
    public func run(_ changed: @escaping @Sendable (Holding?) -> Void) async {
        while !Task.isCancelled {
            let now = await acquire()
            let before = held.withLockedValue { old in defer { old = now }; return old }
            if before != now { changed(now) }
            try? await Task.sleep(for: ttl / 3)
        }
        if held.withLockedValue({ $0 }) != nil {
            await release()
            held.withLockedValue { $0 = nil }
            changed(nil)
        }
    }

    /// One attempt: the lease with its token when this node holds it now, else nil.
    public func acquire() async -> Holding? {
        let node = database.node, scope = scope, logger = database.logger
        let seconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        return try? await database.use(database.lease) { connection -> Holding? in
            let rows = try await connection.query("""
                INSERT INTO picket_leases AS l (scope, holder, token, expires_at) VALUES (\(scope), \(node), 1, now() + make_interval(secs => \(seconds)))
                ON CONFLICT (scope) DO UPDATE SET
                    token = CASE WHEN l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END,
                    holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
                RETURNING token
                """, logger: logger)
            for try await token in rows.decode(Int.self) { return Holding(token: token) }
            return nil
        }
    }

    /// Whether this node may act now: the database still names it holder with its token, unexpired.
    /// Nil when it may; else why not.
    public func confirm() async -> String? {
        guard let holding = current else { return "another node holds the lease on \(scope)" }
        let node = database.node, scope = scope, logger = database.logger
        do {
            let valid = try await database.use(database.lease) { connection -> Bool in
                let rows = try await connection.query("""
                    SELECT 1 FROM picket_leases WHERE scope = \(scope) AND holder = \(node) AND token = \(holding.token) AND expires_at > now()
                    """, logger: logger)
                for try await _ in rows { return true }
                return false
            }
            return valid ? nil : "the lease on \(scope) (token \(holding.token)) has expired or moved to another node"
        } catch {
            return "the fleet database did not confirm the lease on \(scope): \(words(for: error))"
        }
    }

    private func release() async {
        let node = database.node, scope = scope, logger = database.logger
        _ = try? await database.use(database.lease) { connection in
            try await connection.query("UPDATE picket_leases SET expires_at = now() WHERE scope = \(scope) AND holder = \(node)", logger: logger)
        }
    }
}
