import PicketConfig
import PicketCore
import Testing

/// `state.url`, `node:` and `fleet:`: a fleet's settings, checked when the config is read.
@Suite struct FleetConfigTests {
    @Test func aPostgresURLSelectsTheFleetDatabaseWithItsNodeNameAndLeaseTTL() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            state:
              url: "postgres://picket@db.internal:6543/fleet?sslmode=verify-full"
              password_file: secrets/pg
            node: {name: edge-1}
            fleet: {lease_ttl: 15s}
            apps:
              - name: web
                instances: ["127.0.0.1:8001"]
            """)
        #expect(config.state.url == DatabaseURL(user: "picket", password: nil, host: "db.internal", port: 6543, database: "fleet", sslMode: .verifyFull))
        #expect(config.state.passwordFile == "/etc/picket/secrets/pg")
        #expect(config.fleet == FleetSettings(nodeName: "edge-1", leaseTTL: .seconds(15)))
    }

    @Test func withoutAURLTheStoreStaysTheSQLiteFileAndTheNodeIsNamedAfterTheHost() throws {
        let config = try parse("""
            nginx: {output: /tmp/u.conf}
            apps:
              - name: web
                instances: ["127.0.0.1:8001"]
            """)
        #expect(config.state.url == nil)
        #expect(config.state.path == "/etc/picket/picket.state.db")
        #expect(!config.fleet.nodeName.isEmpty && config.fleet.leaseTTL == .seconds(10))
    }

    @Test func aMalformedURLIsReportedAtItsLineAndColumn() {
        let text = """
            nginx: {output: /tmp/u.conf}
            state:
              url: "postgres://db.internal:5432/fleet"
            node: {name: "edge 1"}
            fleet: {lease_ttl: 1s}
            apps:
              - name: web
                instances: ["127.0.0.1:8001"]
            """
        #expect(problems(text) == [
            "picket.yaml:3:8: state.url: name the user: postgres://USER@HOST/DATABASE",
            "picket.yaml:4:14: node.name: a node name is up to 63 letters, digits, '-', '_' or '.'",
            "picket.yaml:5:20: fleet.lease_ttl: must be from 3s to 5m, got 1s",
        ])
    }
}
