/// One line of the story an apply tells: a server that starts or stops taking traffic, and why.
public struct UpstreamChange: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable {
        case added = "+"
        case removed = "-"
    }

    /// Why a server joins or leaves the file.
    public enum Reason: Hashable, Sendable {
        /// Its rotation decided it (see `RotationReason`).
        case rotation(RotationReason)
        /// No backend of the app is fit and its all-down policy decides the servers.
        case allDown(AllDownPolicy)
    }

    public let app: AppName
    public let address: ServerAddress
    public let direction: Direction
    public let reason: Reason

    public init(app: AppName, address: ServerAddress, direction: Direction, reason: Reason) {
        self.app = app
        self.address = address
        self.direction = direction
        self.reason = reason
    }

    /// The servers that start or stop serving between `old` and `new`; `reason` explains each one.
    public static func between(
        _ old: UpstreamSet?, _ new: UpstreamSet, reason: (AppName, ServerAddress, Direction) -> Reason
    ) -> [UpstreamChange] {
        let before = old?.servingAddresses ?? [:]
        let after = new.servingAddresses
        var changes: [UpstreamChange] = []
        for app in Set(before.keys).union(after.keys).sorted() {
            let was = Set(before[app] ?? [])
            let now = Set(after[app] ?? [])
            for address in now.subtracting(was).sorted() {
                changes.append(UpstreamChange(app: app, address: address, direction: .added, reason: reason(app, address, .added)))
            }
            for address in was.subtracting(now).sorted() {
                changes.append(UpstreamChange(app: app, address: address, direction: .removed, reason: reason(app, address, .removed)))
            }
        }
        return changes
    }
}
