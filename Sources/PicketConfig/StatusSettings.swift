/// Where Picket's status server listens and what guards its operator actions.
public struct StatusSettings: Hashable, Sendable {
    public static let tokenVariable = "PICKET_STATUS_TOKEN"

    public var enabled: Bool
    public var host: String
    public var port: Int
    /// The bearer token operator actions need; `PICKET_STATUS_TOKEN` in the environment wins. Without
    /// either, drain/undrain/reset are refused.
    public var token: String?

    public init(enabled: Bool = true, host: String = "127.0.0.1", port: Int = 9180, token: String? = nil) {
        self.enabled = enabled
        self.host = host
        self.port = port
        self.token = token
    }

    /// The token in force given the environment.
    public func effectiveToken(environment: [String: String]) -> String? {
        environment[Self.tokenVariable].flatMap { $0.isEmpty ? nil : $0 } ?? token
    }
}
