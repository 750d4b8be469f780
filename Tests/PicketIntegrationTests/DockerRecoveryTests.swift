import Foundation
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
            let actions = stack.picket.count("event=recovery_started")
            try await Task.sleep(for: .seconds(4))
            #expect(stack.picket.count("event=recovery_started") == actions, "no further actions once quarantined")
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
            #expect(stack.picket.logContains("upstream web + \(c.address) (passed 2×)"), "joins only after success_threshold passes")
            #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["container a", "container c"] })
        }
    }
}
