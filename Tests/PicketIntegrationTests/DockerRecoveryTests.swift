import Foundation
import NIOPosix
import PicketNginx
import PicketTestSupport
import Testing

/// Container discovery and recovery against a real Docker engine and a real nginx.
@Suite(.serialized, .enabled(if: DockerStack.runs, "no Docker engine (CI fails instead of skipping)"))
struct DockerRecoveryTests {
    @Test func aKilledContainerIsEjectedRestartedAndServesAgainWhileAnUnlabelledOneIsLeftAlone() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a"), b = try await stack.startContainer("b")
            let bystander = try await stack.startContainer("bystander", labelled: false)
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["container a", "container b"] })

            try await stack.docker(["kill", b.name])
            try await stack.docker(["kill", bystander.name])
            #expect(await eventually(timeout: .seconds(5)) { !stack.nginx.output.contains("server \(b.address) ") }, "ejected")
            let restarted = "recovery web/\(b.address) (container \(b.name)): restart succeeded"
            #expect(await eventually(timeout: .seconds(15)) { stack.picket.logContains(restarted) }, "\(stack.picket.log.filter { $0.contains("recovery") })")
            #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains("server \(b.address) ") }, "readmitted")
            #expect(await eventually(timeout: .seconds(5)) { (await stack.nginx.routed()).contains("container b") }, "nginx routes to it again")
            let log = stack.picket.log
            let restartIndex = log.firstIndex { $0.contains(restarted) } ?? .max
            let readmitIndex = log.lastIndex { $0.contains("upstream web + \(b.address)") } ?? -1
            #expect(readmitIndex > restartIndex, "readmitted only after Picket's restart finished and it passed its checks")

            #expect(await stack.inspect(bystander.name, "{{.State.Status}}") == "exited", "a container outside the selector is never touched")
            #expect(!stack.picket.logContains(bystander.name))
        }
    }

    @Test func aPausedContainerIsEjectedRestartedAndReadmitted() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a"), b = try await stack.startContainer("b")
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
            try await stack.docker(["pause", b.name])
            #expect(await eventually(timeout: .seconds(5)) { !stack.nginx.output.contains("server \(b.address) ") }, "a hung container is ejected")
            #expect(await eventually(timeout: .seconds(15)) {
                stack.picket.logContains("recovery web/\(b.address) (container \(b.name)): restart succeeded")
            }, "\(stack.picket.log.filter { $0.contains("recovery") || $0.contains(b.address) })")
            #expect(stack.picket.logContains("recovery web/\(b.address) (container \(b.name)): restart (circuit open)"))
            #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains("server \(b.address) ") }, "readmitted")
            #expect(await stack.inspect(b.name, "{{.State.Status}}") == "running")
            #expect(await eventually(timeout: .seconds(5)) { (await stack.nginx.routed()).contains("container b") })
        }
    }

    @Test func aServingContainerDockerReportsUnhealthyIsDrainedThenRestarted() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a")
            let port = freePort()
            // Its HEALTHCHECK fails while /tmp/sick exists; a restart (same filesystem) clears it at start.
            let b = try await stack.startContainer(
                "b", port: port,
                command: "rm -f /tmp/sick; mkdir -p /tmp/w && echo container b > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(port) -h /tmp/w",
                options: ["--health-cmd", "test ! -f /tmp/sick", "--health-interval", "1s", "--health-retries", "1"])
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
            try await stack.docker(["exec", b.name, "touch", "/tmp/sick"])
            let subject = "recovery web/\(b.address) (container \(b.name))"
            #expect(await eventually(timeout: .seconds(10)) {
                stack.picket.logContains("\(subject): restart (docker healthcheck unhealthy), draining it from nginx first")
            }, "\(stack.picket.log.filter { $0.contains("recovery") || $0.contains(b.address) })")
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains("server \(b.address) ") }, "drained before the restart")
            #expect(await eventually(timeout: .seconds(10)) { stack.picket.logContains("\(subject): restart succeeded") })
            let log = stack.picket.log
            let drainedAt = log.firstIndex { $0.contains("upstream web - \(b.address)") } ?? .max
            let restartedAt = log.firstIndex { $0.contains("\(subject): restart succeeded") } ?? -1
            #expect(drainedAt < restartedAt, "out of nginx first, then restarted")
            #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains("server \(b.address) ") }, "readmitted")
            #expect(await eventually(timeout: .seconds(5)) { (await stack.nginx.routed()).contains("container b") })
        }
    }

    @Test func aDrainNginxHasNotConfirmedHoldsTheRestartUntilAnApplyTakesTheServerOut() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a")
            let port = freePort()
            let b = try await stack.startContainer(
                "b", port: port,
                command: "rm -f /tmp/sick; mkdir -p /tmp/w && echo container b > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(port) -h /tmp/w",
                options: ["--health-cmd", "test ! -f /tmp/sick", "--health-interval", "1s", "--health-retries", "1"])
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
            let conf = stack.nginx.confPath, aside = conf + ".aside"
            try FileManager.default.moveItem(atPath: conf, toPath: aside)
            try await stack.docker(["exec", b.name, "touch", "/tmp/sick"])
            let subject = "recovery web/\(b.address) (container \(b.name))"
            #expect(await eventually(timeout: .seconds(10)) { stack.picket.logContains("\(subject): restart (docker healthcheck unhealthy), draining") })
            #expect(await eventually(timeout: .seconds(5)) { stack.picket.logContains("upstream apply failed") })
            try await Task.sleep(for: .seconds(3))
            #expect(stack.nginx.output.contains("server \(b.address) "), "applies fail: nginx still has the server")
            #expect(!stack.picket.logContains("\(subject): restart succeeded"), "no restart while nginx may still send it traffic")
            try FileManager.default.moveItem(atPath: aside, toPath: conf)
            #expect(await eventually(timeout: .seconds(15)) { stack.picket.logContains("\(subject): restart succeeded") })
            let log = stack.picket.log
            let drainedAt = log.firstIndex { $0.contains("upstream web - \(b.address)") } ?? .max
            let restartedAt = log.firstIndex { $0.contains("\(subject): restart succeeded") } ?? -1
            #expect(drainedAt < restartedAt, "the file without it first, then the restart")
        }
    }

    @Test func aContainerThatExitsRightAfterStartIsQuarantinedAfterItsBudget() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a")
            let crashing = try await stack.startContainer("crash", command: "exit 3")
            #expect(try await stack.startPicketThenNginx(expecting: [a]))
            let subject = "recovery web/\(crashing.address) (container \(crashing.name))"
            #expect(await eventually(timeout: .seconds(40)) { stack.picket.logContains("\(subject): quarantined") },
                "\(stack.picket.log.filter { $0.contains("recovery") })")
            #expect(stack.picket.count("\(subject): restart succeeded") == 2, "max_restarts 2")
            #expect(stack.picket.count("\(subject): recreate succeeded") == 1, "then one recreate")
            let attempts = { stack.picket.count("\(subject): restart (") + stack.picket.count("\(subject): recreate (") }
            #expect(attempts() == 3)
            try await Task.sleep(for: .seconds(4))
            #expect(attempts() == 3, "no further actions once quarantined")
            #expect(!stack.nginx.output.contains("server \(crashing.address) "))
            #expect(Set(await stack.nginx.routed()) == ["container a"])
        }
    }

    @Test func aRemovedContainerLeavesAtOnceAndANewLabelledOneJoinsAfterItsChecks() async throws {
        try await DockerStack.with { stack in
            let a = try await stack.startContainer("a"), b = try await stack.startContainer("b")
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
            try await stack.docker(["rm", "-f", b.name])
            #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains("server \(b.address) ") }, "gone with the container")
            #expect(!stack.picket.logContains("recovery web/\(b.address)"), "a removed container is not recovered")

            let c = try await stack.startContainer("c")
            #expect(await eventually(timeout: .seconds(5)) { stack.picket.logContains("backend web/\(c.address) added") })
            #expect(await eventually(timeout: .seconds(5)) { stack.nginx.output.contains("server \(c.address) ") })
            #expect(await eventually(timeout: .seconds(5)) { stack.picket.logContains("upstream web + \(c.address) (passed ") },
                "the change line follows the reload")
            #expect(!stack.picket.logContains("upstream web + \(c.address) (passed 1×)"), "joins only after success_threshold passes")
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["container a", "container c"] })
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PICKET_TEST_DOCKERD_CONTROL"] != nil, "needs a dockerd that scripts/docker-env.sh started"))
    func nginxStaysManagedWhileTheEngineIsDownAndContainerActionsResumeWhenItIsBack() async throws {
        let control = ProcessInfo.processInfo.environment["PICKET_TEST_DOCKERD_CONTROL"]!
        let steady = try await ScriptedBackend(name: "steady", group: MultiThreadedEventLoopGroup.singleton)
        try await DockerStack.with(staticInstances: [steady.address]) { stack in
            let a = try await stack.startContainer("a")
            #expect(try await stack.startPicketThenNginx(expecting: [a]))
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["backend steady", "container a"] })

            #expect(await CommandRunner.run(["/bin/bash", control, "stop"], timeout: .seconds(90)).succeeded, "dockerd stopped (and with it the container)")
            #expect(await eventually(timeout: .seconds(10)) { !stack.nginx.output.contains("server \(a.address) ") }, "ejected with the engine away")
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["backend steady"] }, "nginx is still managed")
            #expect(await eventually(timeout: .seconds(10)) { stack.picket.logContains("docker engine down") })
            #expect(stack.picket.count("docker engine down") == 1, "the outage is logged once")

            #expect(await CommandRunner.run(["/bin/bash", control, "start"], timeout: .seconds(90)).succeeded, "dockerd started again")
            #expect(await eventually(timeout: .seconds(30)) { stack.picket.logContains("docker engine reachable again") })
            #expect(await eventually(timeout: .seconds(30)) {
                stack.picket.logContains("recovery web/\(a.address) (container \(a.name)): restart succeeded")
            }, "\(stack.picket.log.filter { $0.contains("recovery") || $0.contains("docker") })")
            #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains("server \(a.address) ") }, "readmitted")
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["backend steady", "container a"] })
        }
        try await steady.stop()
    }
}
