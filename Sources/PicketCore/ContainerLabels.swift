/// Reads Picket's per-container labels into an instance. Labels are input like any config value: a
/// bad one rejects the container with a message naming the label, it never reaches nginx.
public enum ContainerLabels {
    public static let port = "picket.port"
    public static let weight = "picket.weight"
    public static let backup = "picket.backup"
    public static let healthPath = "picket.health.path"
    public static let healthType = "picket.health.type"

    /// What a container's labels change about its app's health check.
    public struct CheckOverrides: Hashable, Sendable {
        public var path: String?
        public var type: CheckType?

        public init(path: String? = nil, type: CheckType? = nil) {
            self.path = path
            self.type = type
        }
    }

    /// The instance for a container listening on `host`, or why its labels cannot be used.
    public static func instance(
        labels: [String: String], host: String, source: DockerSource
    ) -> Result<(InstanceSpec, CheckOverrides), LabelError> {
        var port = source.port
        if let text = labels[Self.port] {
            guard let value = Int(text), (1...65535).contains(value) else {
                return .failure(LabelError(label: Self.port, value: text, reason: "must be a port number from 1 to 65535"))
            }
            port = value
        }
        guard let port else {
            return .failure(LabelError(label: Self.port, value: "", reason: "is required: the app's docker.port is not set"))
        }
        let addressText = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let address: ServerAddress
        do {
            address = try ServerAddress(validating: addressText)
        } catch {
            return .failure(LabelError(label: "address", value: addressText, reason: error.reason))
        }
        var instance = InstanceSpec(address: address)
        if let text = labels[Self.weight] {
            guard let value = Int(text), (1...1000).contains(value) else {
                return .failure(LabelError(label: Self.weight, value: text, reason: "must be a whole number from 1 to 1000"))
            }
            instance.weight = value
        }
        if let text = labels[Self.backup] {
            guard let value = ["true": true, "false": false][text] else {
                return .failure(LabelError(label: Self.backup, value: text, reason: "must be true or false"))
            }
            instance.backup = value
        }
        let path = labels[Self.healthPath]
        if let path, !HTTPCheck.isValidPath(path) {
            return .failure(LabelError(label: Self.healthPath, value: path, reason: "must be an absolute path without spaces or control characters"))
        }
        var type: CheckType?
        if let text = labels[Self.healthType] {
            guard let value = CheckType(rawValue: text) else {
                return .failure(LabelError(label: Self.healthType, value: text, reason: "must be one of \(CheckType.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            type = value
        }
        return .success((instance, CheckOverrides(path: path, type: type)))
    }
}

/// A container label Picket cannot use.
public struct LabelError: Error, Hashable, Sendable, CustomStringConvertible {
    public let label: String
    public let value: String
    public let reason: String

    public var description: String { "label \(label)='\(value)' \(reason)" }
}
