/// The keys of the top-level `passive:` (where nginx's access log arrives) and of an app's `passive:`
/// (when real users' failures eject a backend). A count or percentage of 0 turns its rule off.
enum PassiveKeys {
    static let listen = ConfigKey(
        "listen", .text, .none,
        "unix:/path (a datagram socket) or a loopback host:port (UDP) where nginx/passive.conf sends its access log; unset: off")
    static let socketMode = ConfigKey(
        "socket_mode", .text, .value("0660"), "file mode of the unix socket: who may report traffic (nginx's workers must write to it)")

    static let listener = ConfigSection("passive", [listen, socketMode])

    static let enabled = ConfigKey("enabled", .boolean, .value("true"), "eject on live traffic once nginx reports it")
    static let consecutive5xx = ConfigKey("consecutive_5xx", .integer(0...10_000), .value("5"), "5xx answers or failed connections in a row that eject; 0: off")
    static let consecutiveGateway = ConfigKey(
        "consecutive_gateway_failure", .integer(0...10_000), .value("5"), "502/503/504 answers or failed connections in a row; 0: off")
    static let consecutiveConnect = ConfigKey(
        "consecutive_connect_failure", .integer(0...10_000), .value("5"), "connections nginx could not make, in a row; 0: off")
    static let failurePercentage = ConfigKey(
        "failure_percentage", .integer(0...100), .value("85"), "this share of failed requests within interval ejects; 0: off")
    static let requestVolume = ConfigKey(
        "request_volume", .integer(1...1_000_000), .value("50"), "requests an interval needs before failure_percentage counts")
    static let interval = ConfigKey(
        "interval", .duration(.seconds(1) ... .seconds(3600)), .value("10s"), "the failure-percentage window; an interval in rotation forgives one ejection")
    static let maxEjectionPercent = ConfigKey(
        "max_ejection_percent", .integer(0...100), .value("50"), "at most this share of the app's backends ejected at once (one always may be)")
    static let baseEjectionTime = ConfigKey(
        "base_ejection_time", .duration(.seconds(1) ... .seconds(86_400)), .value("30s"), "the n-th ejection in a row lasts this × n ...")
    static let maxEjectionTime = ConfigKey(
        "max_ejection_time", .duration(.seconds(1) ... .seconds(86_400)), .value("5m"), "... at most this; at least base_ejection_time")

    static let section = ConfigSection(
        "apps[].passive",
        [enabled, consecutive5xx, consecutiveGateway, consecutiveConnect, failurePercentage, requestVolume, interval, maxEjectionPercent,
            baseEjectionTime, maxEjectionTime])
}
