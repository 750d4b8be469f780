/// The keys of `node:` and `fleet:`, which matter when `state.url` puts several Pickets on one
/// PostgreSQL database.
enum FleetKeys {
    static let name = ConfigKey(
        "name", .text, .derived("the host name"), "this Picket's name in the fleet: its verdicts, its view in picket status, the actions it took")

    static let node = ConfigSection("node", [name])

    static let leaseTTL = ConfigKey(
        "lease_ttl", .duration(.seconds(3) ... .seconds(300)), .value("10s"),
        "a Docker engine's lease lasts this long unrenewed; a dead holder is replaced within it")

    static let fleet = ConfigSection("fleet", [leaseTTL])
}
