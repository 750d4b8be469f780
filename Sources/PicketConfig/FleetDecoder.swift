import Foundation
import Yams

/// Reads `node:` and `fleet:`.
struct FleetDecoder {
    let reader: NodeReader
    /// The default node name: the host name.
    let hostName: String

    func decode(node: Node?, fleet: Node?) -> FleetSettings {
        var settings = FleetSettings(nodeName: hostName)
        if let section = reader.section(node, "node", FleetKeys.node), let name = reader.string(section, FleetKeys.name) {
            if name.count <= 63, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }) {
                settings.nodeName = name
            } else {
                reader.report(section[FleetKeys.name], section.path(FleetKeys.name.name), "a node name is up to 63 letters, digits, '-', '_' or '.'")
            }
        }
        if let section = reader.section(fleet, "fleet", FleetKeys.fleet), let ttl = reader.duration(section, FleetKeys.leaseTTL) {
            settings.leaseTTL = ttl
        }
        return settings
    }
}
