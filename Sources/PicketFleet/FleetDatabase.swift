import Logging
import NIOCore
import PicketCore
import PostgresNIO

/// A fleet node's handle on the shared PostgreSQL database: one session per duty (writes, operator
/// actions, the lease, reads for the API), the node's name, and the outage state they share.
public final class FleetDatabase: Sendable {
    public let node: String
    public let connection: FleetConnection
    public let health: FleetHealth
    let logger: Logger
    let writes: DatabaseSession
    let actions: DatabaseSession
    let lease: DatabaseSession
    let reads: DatabaseSession
    let listener: DatabaseSession

    public init(node: String, connection: FleetConnection, group: EventLoopGroup, logger: Logger, onHealthChange: @escaping @Sendable (Bool) -> Void) {
        self.node = node
        self.connection = connection
        self.logger = logger
        health = FleetHealth(url: connection.url.description, logger: logger, onChange: onHealthChange)
        func session() -> DatabaseSession {
            DatabaseSession(configuration: connection.configuration, group: group, timeout: connection.timeout, logger: logger)
        }
        writes = session()
        actions = session()
        lease = session()
        reads = session()
        listener = session()
    }

    /// Connects, applies missing migrations and registers the node: the check at start. Fails within
    /// the connection's timeout when the database does not answer.
    public func prepare() async throws -> [Int] {
        let node = node, logger = logger
        return try await use(writes) { connection in
            let applied = try await FleetSchema.migrate(connection, logger: logger)
            try await connection.query("""
                INSERT INTO picket_nodes (name, started_at, seen_at) VALUES (\(node), now(), now())
                ON CONFLICT (name) DO UPDATE SET started_at = now(), seen_at = now()
                """, logger: logger)
            return applied
        }
    }

    /// Runs `work` on `session`, telling `health` how it went.
    @discardableResult
    func use<Result: Sendable>(_ session: DatabaseSession, _ work: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            let result = try await session.run(work)
            health.succeeded()
            return result
        } catch {
            health.failed(error)
            throw error
        }
    }

    /// Closes every session (shutdown).
    public func close() async {
        health.close()
        for session in [writes, actions, lease, reads, listener] { await session.close() }
    }
}
