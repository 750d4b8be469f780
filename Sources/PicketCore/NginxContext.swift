/// The nginx block an app's upstream lives in. Apps nginx balances at layer 4 (databases, Redis, MQTT,
/// TLS passthrough, DNS over UDP) belong in `stream {}`, whose upstreams have their own syntax, so they
/// go to a file of their own that the operator includes there.
public enum NginxContext: String, Hashable, Sendable, CaseIterable {
    case http
    case stream
}
