import Logging
import PostgresNIO

/// The fleet database's tables, as numbered migrations. Each node applies the missing ones at start,
/// in one transaction under an advisory lock, so that nodes starting together do not race (even
/// `CREATE TABLE IF NOT EXISTS` does, on PostgreSQL's catalog).
///
/// The same data as the SQLite store, with the node that saw it: backend state per node (its
/// verdicts), the event log, every check (failed ones are what reports count), and the fleet's own:
/// nodes, operator actions (the log every node follows) and Docker engine leases.
enum FleetSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE picket_nodes (
                name TEXT PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, seen_at TIMESTAMPTZ NOT NULL, last_action BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE picket_backend_state (
                node TEXT NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL, phase TEXT NOT NULL, in_rotation BOOLEAN NOT NULL,
                circuit_open BOOLEAN NOT NULL, consecutive_failures INTEGER NOT NULL, flaps INTEGER NOT NULL, operator_drained BOOLEAN NOT NULL,
                restarts TEXT NOT NULL, quarantine_reason TEXT, updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (node, app, address))
            """,
            """
            CREATE TABLE picket_events (
                id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, node TEXT NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL,
                kind TEXT NOT NULL, detail TEXT NOT NULL)
            """,
            "CREATE INDEX picket_events_at ON picket_events (at)",
            "CREATE INDEX picket_events_backend ON picket_events (app, address, id)",
            """
            CREATE TABLE picket_checks (
                at DOUBLE PRECISION NOT NULL, node TEXT NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL, passed BOOLEAN NOT NULL,
                failure_class TEXT, latency_ms DOUBLE PRECISION, status INTEGER)
            """,
            "CREATE INDEX picket_checks_app_at ON picket_checks (app, at)",
            """
            CREATE TABLE picket_operator_actions (
                id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL DEFAULT now(), node TEXT NOT NULL, app TEXT NOT NULL, address TEXT NOT NULL,
                action TEXT NOT NULL)
            """,
            """
            CREATE TABLE picket_leases (
                scope TEXT PRIMARY KEY, holder TEXT NOT NULL, token BIGINT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)
            """,
        ]),
        // Restart budgets and quarantines are shared: each node's row says which container they are about.
        (2, ["ALTER TABLE picket_backend_state ADD COLUMN container TEXT"]),
    ]

    /// The lock every migrating node takes (an arbitrary constant: "picket" in ASCII).
    static let lockKey: Int64 = 0x7069_636b_6574

    /// Applies the migrations this database lacks; returns the versions applied.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.withTransaction(logger: logger) { connection -> [Int] in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS picket_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", logger: logger)
            var done: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM picket_schema", logger: logger).decode(Int.self) {
                done.insert(version)
            }
            var applied: [Int] = []
            for migration in migrations where !done.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO picket_schema (version) VALUES (\(migration.version))", logger: logger)
                applied.append(migration.version)
            }
            return applied
        }
    }
}
