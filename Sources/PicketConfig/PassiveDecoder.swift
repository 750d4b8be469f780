import PicketCore
import Yams

/// Reads the top-level `passive:` into where Picket listens, and an app's `passive:` into a
/// `PassiveSpec`.
struct PassiveDecoder {
    let reader: NodeReader

    func decodeListener(_ node: Node?) -> PassiveEndpoint? {
        guard let section = reader.section(node, "passive", PassiveKeys.listener), let text = reader.string(section, PassiveKeys.listen) else {
            return nil
        }
        var mode = 0o660
        if let modeText = reader.string(section, PassiveKeys.socketMode) {
            guard let parsed = Int(modeText, radix: 8), (0...0o777).contains(parsed) else {
                reader.report(section[PassiveKeys.socketMode], section.path("socket_mode"), "expected an octal file mode such as 0660, got '\(modeText)'")
                return nil
            }
            mode = parsed
        }
        let node = section[PassiveKeys.listen], path = section.path("listen")
        if text.hasPrefix("unix:") {
            let socketPath = String(text.dropFirst(5))
            guard socketPath.hasPrefix("/"), socketPath.utf8.count < 108 else {
                reader.report(node, path, "expected unix:/absolute/path (under 108 bytes), got '\(text)'")
                return nil
            }
            return .unix(path: socketPath, mode: mode)
        }
        guard let address = try? ServerAddress(validating: text), case .network(let host, let port) = address.kind else {
            reader.report(node, path, "expected unix:/path or a loopback host:port such as 127.0.0.1:5140, got '\(text)'")
            return nil
        }
        switch host {
        case .ipv4(let ip) where ip.hasPrefix("127."): return .udp(host: ip, port: port)
        case .ipv6(let ip) where ip == "::1": return .udp(host: ip, port: port)
        default:
            reader.report(node, path, "passive detection listens on loopback only (127.0.0.0/8 or ::1): anyone who can send to it can eject backends")
            return nil
        }
    }

    func decode(_ node: Node?, _ path: String) -> PassiveSpec {
        var spec = PassiveSpec()
        guard let section = reader.section(node, path, PassiveKeys.section) else { return spec }
        func rule(_ key: ConfigKey, _ keyPath: WritableKeyPath<PassiveSpec, Int?>) {
            if let value = reader.int(section, key) { spec[keyPath: keyPath] = value == 0 ? nil : value }
        }
        if let value = reader.bool(section, PassiveKeys.enabled) { spec.enabled = value }
        rule(PassiveKeys.consecutive5xx, \.consecutive5xx)
        rule(PassiveKeys.consecutiveGateway, \.consecutiveGatewayFailure)
        rule(PassiveKeys.consecutiveConnect, \.consecutiveConnectFailure)
        rule(PassiveKeys.failurePercentage, \.failurePercentage)
        if let value = reader.int(section, PassiveKeys.requestVolume) { spec.requestVolume = value }
        if let value = reader.duration(section, PassiveKeys.interval) { spec.interval = value }
        if let value = reader.int(section, PassiveKeys.maxEjectionPercent) { spec.maxEjectionPercent = value }
        if let value = reader.duration(section, PassiveKeys.baseEjectionTime) { spec.baseEjectionTime = value }
        if let value = reader.duration(section, PassiveKeys.maxEjectionTime) { spec.maxEjectionTime = value }
        if spec.maxEjectionTime < spec.baseEjectionTime {
            reader.report(section[PassiveKeys.maxEjectionTime] ?? section.node, section.path("max_ejection_time"),
                "must be at least base_ejection_time (\(spec.baseEjectionTime.shortDescription))")
        }
        return spec
    }
}
