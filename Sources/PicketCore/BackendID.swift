/// Identifies one backend: an instance address within an app. The same address in two apps is two
/// backends, each judged by its own app's check.
public struct BackendID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let app: AppName
    public let address: ServerAddress

    public init(app: AppName, address: ServerAddress) {
        self.app = app
        self.address = address
    }

    public static func < (lhs: BackendID, rhs: BackendID) -> Bool {
        (lhs.app, lhs.address) < (rhs.app, rhs.address)
    }

    public var description: String { "\(app)/\(address)" }
}
