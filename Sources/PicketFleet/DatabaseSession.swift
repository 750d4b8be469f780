import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// One connection to PostgreSQL that is made when first needed and made again after it fails.
///
/// Every use is bounded by `timeout`, connecting included: a database that does not answer (a dead
/// host, a partition) costs Picket a failed write or a refused Docker action, never a hang. Each
/// duty (batched writes, leases, operator actions) has a session of its own, so a slow report does
/// not hold up a lease renewal.
actor DatabaseSession {
    private let configuration: PostgresConnection.Configuration
    private let group: EventLoopGroup
    private let logger: Logger
    private let timeout: Duration
    private var connection: PostgresConnection?
    /// The connection being made: uses that arrive meanwhile wait for it rather than make another.
    private var connecting: Task<PostgresConnection, Error>?
    private var nextID = 0

    init(configuration: PostgresConnection.Configuration, group: EventLoopGroup, timeout: Duration, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs `work` on the session's connection (connecting first when there is none); any failure
    /// drops the connection, so the next use connects afresh.
    func run<Result: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await withDeadline(timeout) { [self] in
                let connection = try await self.connected()
                return try await work(connection)
            }
        } catch {
            await drop()
            throw error
        }
    }

    /// Runs long-lived `work` (LISTEN) on the session's connection: only connecting is bounded by the
    /// timeout. The connection is dropped when the work ends, however it ends.
    func listening(_ work: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        let connection = try await withDeadline(timeout) { [self] in try await self.connected() }
        defer { Task { await self.drop() } }
        try await work(connection)
    }

    /// Closes the connection (shutdown).
    func close() async {
        await drop()
    }

    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        if let connecting { return try await connecting.value }
        let stale = connection
        connection = nil
        nextID += 1
        // Nothing is awaited before `connecting` is set, so no other use can start a second connection.
        let attempt = Task { [configuration, group, logger, nextID] in
            try? await stale?.close()
            return try await PostgresConnection.connect(on: group.next(), configuration: configuration, id: nextID, logger: logger)
        }
        connecting = attempt
        defer { connecting = nil }
        let made = try await attempt.value
        connection = made
        return made
    }

    /// Closes the connection, if any: every connection is closed before it is let go.
    private func drop() async {
        let old = connection
        connection = nil
        try? await old?.close()
    }
}

/// The database took longer than Picket allows.
struct DatabaseTimeout: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer from PostgreSQL within \(limit)" }
}

/// Runs `work`, giving up after `limit`. The caller is answered at the deadline even when the work
/// does not notice cancellation (a query on a connection whose peer vanished); the session then
/// closes that connection, which ends the work.
func withDeadline<Result: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> Result) async throws -> Result {
    let answered = NIOLockedValueBox(false)
    var tasks: [Task<Void, Never>] = []
    defer { for task in tasks { task.cancel() } }
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, Error>) in
        func answer(_ result: Swift.Result<Result, Error>) {
            guard answered.withLockedValue({ done in defer { done = true }; return !done }) else { return }
            continuation.resume(with: result)
        }
        tasks.append(Task {
            do { answer(.success(try await work())) } catch { answer(.failure(error)) }
        })
        tasks.append(Task {
            try? await Task.sleep(for: limit)
            answer(.failure(DatabaseTimeout(limit: limit)))
        })
    }
}
