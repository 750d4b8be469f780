/// Where Picket keeps its memory (SQLite) and for how long it keeps raw check results.
public struct StateSettings: Hashable, Sendable {
    public var enabled: Bool
    /// The database file; by default beside the config file and named after it (`picket.yaml` →
    /// `picket.state.db`).
    public var path: String
    public var retention: Duration

    public init(enabled: Bool = true, path: String, retention: Duration = .seconds(86_400)) {
        self.enabled = enabled
        self.path = path
        self.retention = retention
    }
}
