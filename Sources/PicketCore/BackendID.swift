/// Identifies one backend: an instance address within an app. The same address in two apps is two
/// backends, each judged by its own app's check.
public struct BackendID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let app: AppName
    public let address: ServerAddress
    /// The hash of the app and the address, worked out once: an ID is looked up several times for every
    /// check (its recent checks, its row in the store), and hashing its two strings each time was ~2 %
    /// of a reused connection's check at 5,000 backends (perf).
    private let hashed: Int

    public init(app: AppName, address: ServerAddress) {
        self.app = app
        self.address = address
        var hasher = Hasher()
        hasher.combine(app)
        hasher.combine(address)
        hashed = hasher.finalize()
    }

    public static func == (lhs: BackendID, rhs: BackendID) -> Bool {
        lhs.hashed == rhs.hashed && lhs.app == rhs.app && lhs.address == rhs.address
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hashed)
    }

    public static func < (lhs: BackendID, rhs: BackendID) -> Bool {
        (lhs.app, lhs.address) < (rhs.app, rhs.address)
    }

    public var description: String { "\(app)/\(address)" }
}
