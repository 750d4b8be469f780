import PicketCore
import Yams

/// Reads the `status:` section, and `PICKET_STATUS_TOKEN` from the environment under the same rule.
struct StatusDecoder {
    let reader: NodeReader

    func decode(_ node: Node?, environment: [String: String]) -> StatusSettings {
        var settings = StatusSettings()
        let section = reader.section(node, "status", OperationsKeys.status)
        if let section { read(section, into: &settings) }
        if let token = environment[StatusSettings.tokenVariable], !token.isEmpty {
            if let problem = StatusSettings.tokenProblem(token) {
                reader.report(section?[OperationsKeys.token] ?? node, "status.token",
                    "\(StatusSettings.tokenVariable) in the environment: \(problem)")
            }
            settings.token = token
        }
        if settings.enabled, !settings.listensOnLoopbackOnly {
            reader.warn(section?[OperationsKeys.listen] ?? node, "status.listen", exposure(settings))
        }
        return settings
    }

    private func read(_ section: Section, into settings: inout StatusSettings) {
        if let value = reader.bool(section, OperationsKeys.statusEnabled) { settings.enabled = value }
        if let text = reader.string(section, OperationsKeys.listen) {
            do {
                let address = try ServerAddress(validating: text)
                if case .network(let host, let port) = address.kind {
                    switch host {
                    case .ipv4(let ip), .ipv6(let ip), .name(let ip): settings.host = ip
                    }
                    settings.port = port
                } else {
                    reader.report(section[OperationsKeys.listen], section.path("listen"), "expected host:port, e.g. 127.0.0.1:9180")
                }
            } catch {
                reader.report(section[OperationsKeys.listen], section.path("listen"), error.description)
            }
        }
        if let value = reader.int(section, OperationsKeys.maxEventClients) { settings.maxEventClients = value }
        if let token = reader.string(section, OperationsKeys.token) {
            if let problem = StatusSettings.tokenProblem(token) { reader.report(section[OperationsKeys.token], section.path("token"), problem) }
            settings.token = token
        }
    }

    /// What a listener beyond loopback exposes, in words for the operator.
    private func exposure(_ settings: StatusSettings) -> String {
        let actions = settings.token == nil
            ? "drain, undrain and reset are refused (no token is set)" : "drain, undrain and reset need the token"
        return "warning: listens beyond loopback on \(settings.host):\(settings.port): the dashboard, GET /healthz, /readyz, /metrics, /v1/apps, /v1/overview and /v1/events "
            + "(every backend's address, health, last checks, reports and log events) are open to anyone who can reach it; \(actions). "
            + "Keep it on 127.0.0.1 or behind a firewall"
    }
}
