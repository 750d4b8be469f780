import PicketCore

/// Where the runtime's batched writes go: the SQLite `StoreWriter`, or a fleet's PostgreSQL writer.
/// Every method but `stop` only appends to a buffer, so the controller loop never waits on a database.
public protocol StateWriting: Sendable {
    /// The number check rows give `backend` (the same each time it is asked).
    func number(_ backend: BackendID) -> BackendNumber
    /// Checks in the order they were made; one call per batch, so the buffer is locked once for all.
    func add(checks: [CheckRow])
    func add(event: EventRow)
    func save(_ backend: StoredBackend)
    func forget(app: String, address: String)
    var currentHealth: StoreWriter.Health { get }
    /// Writes what is buffered (shutdown).
    func stop() async
}

/// What the runtime reads back: the remembered state at start, and health reports for the API.
public protocol StateReading: Sendable {
    /// Where the data is, for logs (a file path, or a URL without its password).
    var location: String { get }
    /// This node's remembered backends.
    func remembered() async throws(StoreError) -> [StoredBackend]
    /// The health report of one app over `[since, until]` (epoch seconds).
    func report(app: String, since: Double, until: Double) async throws(StoreError) -> AppReport
}

extension StateWriting {
    public func add(check: CheckRow) { add(checks: [check]) }
}

extension StoreWriter: StateWriting {}

extension StateStore: StateReading {
    public var location: String { path }

    public func remembered() async throws(StoreError) -> [StoredBackend] { try backends() }
}
