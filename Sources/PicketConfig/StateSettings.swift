import PicketCore

/// Where Picket keeps its memory (SQLite by default, PostgreSQL for a fleet) and for how long it keeps
/// raw check results.
public struct StateSettings: Hashable, Sendable {
    public var enabled: Bool
    /// The database file; by default beside the config file and named after it (`picket.yaml` →
    /// `picket.state.db`). Unused when `url` names a PostgreSQL database.
    public var path: String
    public var retention: Duration
    /// A PostgreSQL database shared by a fleet of Pickets; nil: the SQLite file at `path`.
    public var url: DatabaseURL?
    /// A file holding the database password (its first line), when the URL has none.
    public var passwordFile: String?

    public init(enabled: Bool = true, path: String, retention: Duration = .seconds(86_400), url: DatabaseURL? = nil, passwordFile: String? = nil) {
        self.enabled = enabled
        self.path = path
        self.retention = retention
        self.url = url
        self.passwordFile = passwordFile
    }
}
