/// Where Picket's status server listens and what guards its operator actions.
public struct StatusSettings: Hashable, Sendable {
    public static let tokenVariable = "PICKET_STATUS_TOKEN"

    public var enabled: Bool
    public var host: String
    public var port: Int
    /// The bearer token operator actions need: `PICKET_STATUS_TOKEN` from the environment when set,
    /// else `status.token`. Without either, drain/undrain/reset are refused.
    public var token: String?
    /// At most this many clients follow `GET /v1/events` at once (a dashboard page holds one); 0 turns
    /// the stream off.
    public var maxEventClients: Int

    public init(enabled: Bool = true, host: String = "127.0.0.1", port: Int = 9180, token: String? = nil, maxEventClients: Int = 8) {
        self.enabled = enabled
        self.host = host
        self.port = port
        self.token = token
        self.maxEventClients = maxEventClients
    }

    /// The one rule for a token, wherever it comes from: long enough not to be guessed, and only
    /// characters that travel unchanged in an `Authorization` header.
    public static func tokenProblem(_ token: String) -> String? {
        guard token.count >= 16, token.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            return "use at least 16 characters, printable ASCII without spaces"
        }
        return nil
    }

    /// Whether only this machine can reach the server.
    public var listensOnLoopbackOnly: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
