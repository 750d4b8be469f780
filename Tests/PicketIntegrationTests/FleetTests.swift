import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// Three Pickets, each with its own nginx, on one real PostgreSQL: operator actions are fleet-wide,
/// and an outage of the database leaves every node managing its own nginx from its own checks.
@Suite(.serialized, .enabled(if: PostgresServer.available, "no PostgreSQL (CI fails instead of skipping)"))
struct FleetTests {
    static let health = "{path: /health, interval: 300ms, timeout: 250ms, failure_threshold: 2, success_threshold: 1}"

    @Test func aDrainThroughOneNodeReachesEveryNodesFileAndADatabaseOutageLeavesEachFollowingHealth() async throws {
        var backends: [ScriptedBackend] = []
        for name in ["a", "b", "c"] { backends.append(try await ScriptedBackend(name: name, group: MultiThreadedEventLoopGroup.singleton)) }
        try await using(backends, drainAndOutage) { backends in
            for backend in backends { try? await backend.stop() }
        }
    }

    private func drainAndOutage(_ backends: [ScriptedBackend]) async throws {
        let (a, b, c) = (backends[0].address, backends[1].address, backends[2].address)
        try await FleetStack.with(apps: """
            apps:
              - name: web
                health_check: \(Self.health)
                instances: [\(a), \(b), \(c)]
            """) { fleet in
            #expect(try await fleet.start(expecting: [a, b, c]))
            let (nodeA, nodeB, nodeC) = (fleet.nodes[0], fleet.nodes[1], fleet.nodes[2])

            let sent = ContinuousClock.now
            #expect(try await nodeA.api.send(.POST, "/v1/apps/web/backends/\(b)/drain", token: FleetStack.token).status == 200)
            #expect(await eventually(timeout: .seconds(10), every: .milliseconds(10)) { !nodeB.serves(b) && !nodeC.serves(b) },
                "\(nodeB.log)")
            print("fleet: a drain through node A left node B's and node C's files after \(ContinuousClock.now - sent) (issue #17's goal: 2 s)")
            #expect(await eventually(timeout: .seconds(5)) { !nodeA.serves(b) })
            #expect(nodeB.logContains("operator action from node node-a: drain \(b) (web)"))

            #expect(try await nodeC.api.send(.POST, "/v1/apps/web/backends/\(b)/undrain", token: FleetStack.token).status == 200)
            #expect(await eventually(timeout: .seconds(10)) { fleet.nodes.allSatisfy { $0.serves(b) } }, "an undrain through node C")

            var fleetView = try await nodeB.api.json(.GET, "/v1/fleet")
            func views() -> [String]? {
                ((fleetView.object["backends"] as? [[String: Any]])?.first { $0["address"] as? String == a }?["views"] as? [[String: Any]])?
                    .compactMap { $0["node"] as? String }
            }
            #expect(await eventually(timeout: .seconds(5)) {
                fleetView = (try? await nodeB.api.json(.GET, "/v1/fleet")) ?? fleetView
                return views() == ["node-a", "node-b", "node-c"]
            }, "every node's view of every backend: \(fleetView)")
            let status = await CommandRunner.run([ChildProcess.binary, "status", "--url", "http://127.0.0.1:\(nodeC.statusPort)"], timeout: .seconds(20))
            let rows = status.output.split(separator: "\n").filter { $0.contains("node-") && $0.contains(" up ") && $0.contains(" in ") }
            #expect(status.succeeded && status.output.contains("fleet: node-a") && rows.count == 9, "picket status: 3 nodes × 3 backends\n\(status.output)")

            try await fleet.database.stop()
            backends[2].behaviour = .answer(status: 500, body: "down")
            #expect(await eventually(timeout: .seconds(10)) { fleet.nodes.allSatisfy { !$0.serves(c) } }, "checks go on without the database")
            backends[2].behaviour = .answer(status: 200, body: "ok")
            #expect(await eventually(timeout: .seconds(10)) { fleet.nodes.allSatisfy { $0.serves(c) } })
            #expect(await eventually(timeout: .seconds(10)) { fleet.nodes.allSatisfy { $0.count("unreachable") >= 1 } })
            try await Task.sleep(for: .milliseconds(1500))  // the file is written before nginx is signalled
            let reloads = fleet.nodes.map(\.nginx.reloadCount)
            try await fleet.database.start()
            #expect(await eventually(timeout: .seconds(20)) { fleet.nodes.allSatisfy { $0.logContains("answers again") } })
            try await Task.sleep(for: .seconds(2))
            #expect(fleet.nodes.map(\.nginx.reloadCount) == reloads, "the database's return reloads no nginx")
            for node in fleet.nodes {
                #expect(node.count(" unreachable (") == 1 && node.count("answers again") == 1, "the outage is logged once as it starts, once as it ends")
            }
        }
    }

    @Test func aStartWithoutTheDatabaseRunsDegradedAndJoinsWhenTheDatabaseAnswers() async throws {
        try await using(try await PostgresServer(), { database in
            try await database.stop()
            try await Stack.with(settings: "state: {url: \"\(database.url)\"}\nnode: {name: solo}\n") { stack in
                #expect(try await stack.startPicketThenNginx(), "nginx follows this node's own checks without the database")
                #expect(stack.logContains("did not answer at start: running degraded"))
                try await database.start()
                #expect(await eventually(timeout: .seconds(30)) { stack.logContains("this node is solo") })
                #expect(await eventually(timeout: .seconds(10)) {
                    (try? await database.sql("SELECT count(*) FROM picket_backend_state WHERE node = 'solo' AND in_rotation")) == "3"
                }, "what it judged meanwhile is written once the database answers")
            }
        }) { await $0.destroy() }
    }
}
