import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Operator actions (drain, undrain, reset) shared by the fleet: a log in the database that every node
/// follows. The node an operator asked publishes the action after carrying it out; every other node
/// hears of it through LISTEN/NOTIFY at once, or from a poll every `pollInterval` when notifications
/// are lost (a dropped listening connection, a proxy that does not pass them). A node that starts or
/// comes back takes in every action it missed, in order, from the last one it recorded.
public final class FleetActions: Sendable {
    /// An action some node published.
    public struct Action: Sendable, Equatable {
        public let id: Int
        public let node: String
        public let app: String
        public let address: String
        public let action: String
    }

    static let channel = "picket_operator_actions"
    private let database: FleetDatabase
    private let pollInterval: Duration
    private let pokes: AsyncStream<Void>.Continuation
    private let pokeStream: AsyncStream<Void>

    public init(database: FleetDatabase, pollInterval: Duration = .seconds(1)) {
        self.database = database
        self.pollInterval = pollInterval
        (pokeStream, pokes) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records an action this node carried out, for the others; false when the database did not take it.
    public func publish(_ action: String, app: String, address: String) async -> Bool {
        let node = database.node, logger = database.logger
        do {
            try await database.use(database.actions) { connection in
                try await connection.query("""
                    WITH added AS (INSERT INTO picket_operator_actions (node, app, address, action) VALUES (\(node), \(app), \(address), \(action)) RETURNING id)
                    SELECT pg_notify(\(Self.channel), id::TEXT) FROM added
                    """, logger: logger)
            }
            return true
        } catch {
            logger.error("operator action \(action) on \(address) (\(app)) not shared with the fleet: \(words(for: error))",
                metadata: ["event": "fleet_action_unshared"])
            return false
        }
    }

    /// Delivers other nodes' actions in order until cancelled, and records how far this node got
    /// (which also says the node is alive).
    public func follow(_ deliver: @escaping @Sendable (Action) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen() }
            group.addTask { await self.poll(deliver) }
            await group.waitForAll()
        }
    }

    private func poll(_ deliver: @Sendable (Action) -> Void) async {
        let node = database.node, logger = database.logger
        var cursor: Int?
        var pokes = pokeStream.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                let from = cursor
                let (last, found) = try await database.use(database.actions) { connection -> (Int, [Action]) in
                    var last = from ?? 0
                    if from == nil {
                        let rows = try await connection.query("SELECT last_action FROM picket_nodes WHERE name = \(node)", logger: logger)
                        for try await value in rows.decode(Int.self) { last = value }
                    }
                    let rows = try await connection.query("""
                        SELECT id, node, app, address, action FROM picket_operator_actions WHERE id > \(last) ORDER BY id
                        """, logger: logger)
                    var found: [Action] = []
                    for try await (id, origin, app, address, action) in rows.decode((Int, String, String, String, String).self) {
                        found.append(Action(id: id, node: origin, app: app, address: address, action: action))
                    }
                    return (found.last?.id ?? last, found)
                }
                for action in found where action.node != node { deliver(action) }
                cursor = last
                try await database.use(database.actions) { connection in
                    try await connection.query("""
                        INSERT INTO picket_nodes (name, started_at, seen_at, last_action) VALUES (\(node), now(), now(), \(last))
                        ON CONFLICT (name) DO UPDATE SET seen_at = now(), last_action = \(last)
                        """, logger: logger)
                }
            } catch {
                // Logged once by the database's health; the next poll tries again.
            }
            let timer = Task { [pollInterval, pokes = self.pokes] in
                guard (try? await Task.sleep(for: pollInterval)) != nil else { return }
                pokes.yield()
            }
            _ = await pokes.next()
            timer.cancel()
        }
    }

    /// Turns each notification into an early poll; reconnects a second after the connection drops.
    private func listen() async {
        while !Task.isCancelled {
            try? await database.listener.listening { [pokes] connection in
                try await connection.listen(on: Self.channel) { notifications in
                    pokes.yield()
                    for try await _ in notifications { pokes.yield() }
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
