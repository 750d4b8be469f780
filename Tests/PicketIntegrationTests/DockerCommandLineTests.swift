import Foundation
import PicketNginx
import PicketTestSupport
import Testing

/// `picket check` and `picket render` see the containers the running controller would see: a real
/// engine lists them, with the same labels, and an app with none says so in the file.
@Suite(.serialized, .enabled(if: DockerStack.runs, "no Docker engine (CI fails instead of skipping)"))
struct DockerCommandLineTests {
    func picket(_ arguments: String...) async -> CommandRunner.Result {
        await CommandRunner.run([CommandLineTests.binary] + arguments, timeout: .seconds(60))
    }

    @Test func checkAndRenderListTheContainersOfDockerApps() async throws {
        try await DockerStack.with { stack in
            let running = try await stack.startContainer("a")
            let stopped = try await stack.startContainer("b")
            try await stack.docker(["stop", stopped.name])
            let config = stack.picket.configPath

            let check = await picket("check", "--config", config)
            #expect(check.status == 1, "the stopped container fails its check")
            let rows = check.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.contains { $0.starts(with: ["web", running.address, running.name, "pass"]) }, "\(check.output)")
            #expect(rows.contains { $0.starts(with: ["web", stopped.address, stopped.name, "FAIL"]) }, "\(check.output)")
            #expect(check.output.contains("1 of 2 backends pass"))

            let render = await picket("render", "--config", config)
            #expect(render.status == 0)
            #expect(render.output.contains("server \(running.address) "), "\(render.output)")
            #expect(!render.output.contains("server \(stopped.address) "), "a container that does not run is not taken as healthy")

            let withoutDocker = await picket("render", "--config", config, "--no-docker")
            #expect(!withoutDocker.output.contains("server \(running.address) "))
            #expect(withoutDocker.output.contains("# no containers found"))

            try await stack.docker(["rm", "-f", running.name, stopped.name])
            let empty = await picket("render", "--config", config)
            #expect(empty.output.contains("# no containers found"), "\(empty.output)")
            #expect(empty.output.contains("server 127.0.0.1:1 "), "the down placeholder")
            #expect(!empty.output.contains("every backend failed its checks"), "no container is not a failed check")
        }
    }

    @Test func anUnreachableEngineIsSaidAndTheStaticInstancesStillRender() async throws {
        try await DockerStack.with(staticInstances: ["127.0.0.1:9"]) { stack in
            let path = stack.picket.configPath
            let yaml = try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "docker: {resync_interval: 2s, call_timeout: 5s}", with: "docker: {socket: /nonexistent/docker.sock, call_timeout: 2s}")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let render = await picket("render", "--config", path)
            #expect(render.status == 0)
            #expect(render.output.contains("warning: containers of web not listed"), "\(render.output)")
            #expect(render.output.contains("server 127.0.0.1:9 "))
        }
    }
}
