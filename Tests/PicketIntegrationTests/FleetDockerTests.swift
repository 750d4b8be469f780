import Foundation
import PicketTestSupport
import Testing

/// Three Pickets on one PostgreSQL and one real Docker engine: each container is acted on by the node
/// holding the engine's lease and by no other, counted from the engine's own events.
@Suite(.serialized, .enabled(if: PostgresServer.available && DockerStack.runs, "no PostgreSQL or Docker engine (CI fails instead of skipping)"))
struct FleetDockerTests {
    /// `sickable`: b has a Docker HEALTHCHECK that fails while /tmp/sick exists (a restart clears it),
    /// so that a recovery drains it from nginx for drain_timeout (3 s) before it restarts.
    func withFleet(
        sickable: Bool = false, _ body: (FleetStack, TestContainers, TestContainers.Backend, TestContainers.Backend) async throws -> Void
    ) async throws {
        try await using(TestContainers(), { try await withFleet($0, sickable: sickable, body) }) { await $0.removeAll() }
    }

    private func withFleet(
        _ containers: TestContainers, sickable: Bool,
        _ body: (FleetStack, TestContainers, TestContainers.Backend, TestContainers.Backend) async throws -> Void
    ) async throws {
        let a = try await containers.start("a")
        let port = freePort()
        let b = try await containers.start(
            "b", port: port,
            command: sickable
                ? "rm -f /tmp/sick; mkdir -p /tmp/w && echo container b > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(port) -h /tmp/w"
                : nil,
            options: sickable ? ["--health-cmd", "test ! -f /tmp/sick", "--health-interval", "1s", "--health-retries", "1"] : [])
        try await FleetStack.with(apps: webApp(containers, successThreshold: 2, """
                circuit_breaker: {failure_threshold: 3, recovery_timeout: 2s}
                recovery: {drain_timeout: 3s, stop_timeout: 1s, max_restarts: 2, backoff: {initial: 500ms, max: 2s}}
            """)) { fleet in
            #expect(try await fleet.start(expecting: [a.address, b.address]))
            #expect(await eventually(timeout: .seconds(10)) { await fleet.leaseHolder() != nil }, "one node takes the engine's lease")
            try await body(fleet, containers, a, b)
        }
    }

    /// The fleet's one app, `web`, on the containers of `containers`, checked every 500 ms; `more` adds
    /// its own lines (recovery settings), already indented as the app's keys.
    func webApp(_ containers: TestContainers, successThreshold: Int, _ more: String) -> String {
        """
        docker: {resync_interval: 2s, call_timeout: 5s}
        apps:
          - name: web
            docker: {selector: {picket.app: web, picket.test: \(containers.run)}}
            health_check: {path: /health, interval: 500ms, timeout: 300ms, failure_threshold: 2, success_threshold: \(successThreshold)}

        """ + more
    }

    @Test func aKilledContainerIsRestartedExactlyOnceAcrossTheFleet() async throws {
        try await withFleet { fleet, containers, _, b in
            let since = Int(Date().timeIntervalSince1970)
            try await containers.docker(["kill", b.name])
            let restarted = "recovery web/\(b.address) (container \(b.name)): restart succeeded"
            #expect(await eventually(timeout: .seconds(30)) { fleet.nodes.contains { $0.logContains(restarted) } })
            #expect(await eventually(timeout: .seconds(15)) { fleet.nodes.allSatisfy { $0.serves(b.address) } }, "every node's file has it again")
            try await Task.sleep(for: .seconds(3))
            #expect(await containers.events("restart", of: b.name, since: since) == 1, "one restart across the fleet, by the engine's count")
            let holder = await fleet.leaseHolder()
            #expect(fleet.nodes.filter { $0.logContains(restarted) }.map(\.name) == [holder?.name].compactMap { $0 }, "by the lease holder alone")
        }
    }

    @Test func aLeaseHolderKilledInTheMiddleOfARecoveryIsReplacedByANodeThatCompletesIt() async throws {
        try await withFleet(sickable: true) { fleet, containers, _, b in
            let holder = try #require(await fleet.leaseHolder())
            let since = Int(Date().timeIntervalSince1970)
            try await containers.docker(["exec", b.name, "touch", "/tmp/sick"])
            let draining = "recovery web/\(b.address) (container \(b.name)): restart (docker healthcheck unhealthy), draining it from nginx first"
            #expect(await eventually(timeout: .seconds(30), every: .milliseconds(10)) { holder.logContains(draining) }, "\(holder.log)")
            holder.process?.kill()
            let killed = ContinuousClock.now
            let survivors = fleet.nodes.filter { $0 !== holder }
            #expect(await eventually(timeout: .seconds(15), every: .milliseconds(20)) { survivors.contains { $0.logContains("this node holds the lease") } })
            print("fleet: the lease moved \(ContinuousClock.now - killed) after its holder was SIGKILLed (lease_ttl 3s)")
            let restarted = "recovery web/\(b.address) (container \(b.name)): restart succeeded"
            #expect(await eventually(timeout: .seconds(30)) { survivors.contains { $0.logContains(restarted) } }, "another node completes the recovery")
            #expect(await eventually(timeout: .seconds(15)) { survivors.allSatisfy { $0.serves(b.address) } })
            #expect(await containers.inspect(b.name, "{{.State.Status}}") == "running")
            #expect(await containers.events("restart", of: b.name, since: since) == 1, "the dead holder never acted; its successor did, once")
        }
    }

    @Test func withoutTheDatabaseNoNodeActsOnAContainerAndOneRestartsItOnceTheDatabaseIsBack() async throws {
        try await withFleet { fleet, containers, a, b in
            try await fleet.database.stop()
            let since = Int(Date().timeIntervalSince1970)
            try await containers.docker(["kill", b.name])
            #expect(await eventually(timeout: .seconds(10)) { fleet.nodes.allSatisfy { !$0.serves(b.address) && $0.serves(a.address) } },
                "every nginx still follows its node's checks")
            try await Task.sleep(for: .seconds(6))
            #expect(await containers.events("restart", of: b.name, since: since) == 0, "no Docker action without a lease the database confirms")
            #expect(await containers.inspect(b.name, "{{.State.Status}}") == "exited")
            try await fleet.database.start()
            #expect(await eventually(timeout: .seconds(30)) { await containers.inspect(b.name, "{{.State.Status}}") == "running" })
            #expect(await eventually(timeout: .seconds(15)) { fleet.nodes.allSatisfy { $0.serves(b.address) } })
            try await Task.sleep(for: .seconds(3))
            #expect(await containers.events("restart", of: b.name, since: since) == 1)
        }
    }

    /// A crash-looping container spends the fleet's budget, not each node's: the holder restarts it
    /// twice (`max_restarts: 2`, no recreate) and is SIGKILLed; the node taking the lease over takes in
    /// those restarts and quarantines the container at its next exit instead of restarting it again.
    @Test func aNewLeaseHolderTakesOverTheRestartBudgetItsPredecessorSpent() async throws {
        try await using(TestContainers(), { containers in
            let a = try await containers.start("a")
            let port = freePort()
            // Serves for 3 s after each start, then exits.
            let b = try await containers.start(
                "b", port: port, command: "mkdir -p /tmp/w && echo ok > /tmp/w/health && httpd -p 127.0.0.1:\(port) -h /tmp/w && sleep 3")
            let since = Int(Date().timeIntervalSince1970)
            try await FleetStack.with(apps: webApp(containers, successThreshold: 1, """
                    recovery: {drain_timeout: 0s, stop_timeout: 1s, max_restarts: 2, restart_window: 10m, recreate: false, backoff: {initial: 500ms, max: 1s}}
                """)) { fleet in
                #expect(try await fleet.start(expecting: [a.address]))
                #expect(await eventually(timeout: .seconds(10)) { await fleet.leaseHolder() != nil })
                let holder = try #require(await fleet.leaseHolder())
                let restarted = "recovery web/\(b.address) (container \(b.name)): restart succeeded"
                #expect(await eventually(timeout: .seconds(40), every: .milliseconds(20)) { holder.count(restarted) == 2 }, "\(holder.log)")
                try await Task.sleep(for: .milliseconds(1500))  // the holder's rows reach the database (flushed every second)
                holder.process?.kill()
                let survivors = fleet.nodes.filter { $0 !== holder }
                #expect(await eventually(timeout: .seconds(15), every: .milliseconds(20)) { survivors.contains { $0.logContains("this node holds the lease") } })
                let successor = try #require(survivors.first { $0.logContains("this node holds the lease") })
                #expect(successor.logContains("took in the restarts and quarantines other nodes recorded for 1 backends (web/\(b.address))"), "\(successor.log)")
                let quarantined = "recovery web/\(b.address) (container \(b.name)): quarantined"
                #expect(await eventually(timeout: .seconds(20)) { successor.logContains(quarantined) }, "\(successor.log)")
                #expect(!successor.logContains(restarted), "the successor restarted nothing: the fleet's two restarts were spent")
                try await Task.sleep(for: .seconds(2))
                #expect(await containers.events("restart", of: b.name, since: since) == 2, "two restarts across the fleet, by the engine's count")
            }
        }) { await $0.removeAll() }
    }
}
