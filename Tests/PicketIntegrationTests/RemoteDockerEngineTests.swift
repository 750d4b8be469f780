import Foundation
import PicketNginx
import PicketTestSupport
import Testing

/// A Docker engine reached over `tcp://` with TLS client certificates, as for an engine on another host:
/// a real dockerd with `--tlsverify` on loopback, its own certificates made by `openssl` in the test.
@Suite(.serialized, .enabled(if: DockerStack.runs, "no Docker engine (CI fails instead of skipping)"))
struct RemoteDockerEngineTests {
    @Test func containersOnATLSEngineAreDiscoveredAndAKilledOneIsRestartedOverTLS() async throws {
        try await TLSDockerEngine.with { engine in
            try await DockerStack.with(engine: engine) { stack in
                let a = try await stack.startContainer("a"), b = try await stack.startContainer("b")
                #expect(try await stack.startPicketThenNginx(expecting: [a, b]))
                #expect(stack.picket.logContains("at tcp://127.0.0.1:\(engine.port) (TLS)"), "\(stack.picket.log.filter { $0.contains("docker") })")
                #expect(await eventually(timeout: .seconds(5)) { Set(await stack.nginx.routed()) == ["container a", "container b"] })

                try await stack.docker(["kill", b.name])
                #expect(await eventually(timeout: .seconds(5)) { !stack.nginx.output.contains("server \(b.address) ") }, "ejected")
                #expect(await eventually(timeout: .seconds(15)) {
                    stack.picket.logContains("recovery web/\(b.address) (container \(b.name)): restart succeeded")
                }, "\(stack.picket.log.filter { $0.contains("recovery") || $0.contains("docker") })")
                #expect(await stack.inspect(b.name, "{{.State.Status}}") == "running", "restarted on the TLS engine")
                #expect(await eventually(timeout: .seconds(10)) { (await stack.nginx.routed()).contains("container b") }, "nginx routes to it again")
            }
        }
    }

    @Test func aClientCertificateTheEngineDoesNotTrustIsAClearErrorAndStaticInstancesStillRender() async throws {
        try await TLSDockerEngine.with { engine in
            let untrusted = "\(engine.certPath)-untrusted"
            try FileManager.default.createDirectory(atPath: untrusted, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(engine.certPath)/ca.pem", toPath: "\(untrusted)/ca.pem")
            try FileManager.default.copyItem(atPath: engine.certificates.certificate(.selfSigned), toPath: "\(untrusted)/cert.pem")
            try FileManager.default.copyItem(atPath: engine.certificates.key(.selfSigned), toPath: "\(untrusted)/key.pem")
            try await DockerStack.with(staticInstances: ["127.0.0.1:9"], engine: engine) { stack in
                let path = stack.picket.configPath
                let yaml = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: engine.certPath, with: untrusted)
                try yaml.write(toFile: path, atomically: true, encoding: .utf8)
                let render = await CommandRunner.run([CommandLineTests.binary, "render", "--config", path], timeout: .seconds(60))
                #expect(render.status == 0)
                #expect(render.output.contains("warning: containers of web not listed"), "\(render.output)")
                #expect(render.output.contains("127.0.0.1:\(engine.port)"), "the engine is named: \(render.output)")
                #expect(render.output.contains("TLS: the server refused Picket's client certificate"), "the reason in words: \(render.output)")
                #expect(render.output.contains("server 127.0.0.1:9 "))
            }
        }
    }

    @Test func eachEngineHasItsOwnBreakerAnEngineGoingAwayHoldsOnlyItsOwnApps() async throws {
        try await TLSDockerEngine.with { remote in
            try await DockerStack.with(remote: remote) { stack in
                let local = try await stack.startContainer("a"), other = try await stack.startContainer("b")
                let far = try await stack.startContainer("r", onRemote: true)
                #expect(try await stack.startPicketThenNginx(expecting: [local, other, far]))
                #expect(stack.picket.logContains("at tcp://127.0.0.1:\(remote.port) (TLS)"), "\(stack.picket.log.filter { $0.contains("docker") })")

                await remote.stopDaemon()
                #expect(await eventually(timeout: .seconds(15)) { stack.picket.logContains("docker engine remote down") },
                    "\(stack.picket.log.filter { $0.contains("docker") })")
                #expect(stack.picket.logContains("Docker engine remote unreachable"), "the alert names the engine")

                try await stack.docker(["kill", local.name])
                #expect(await eventually(timeout: .seconds(15)) {
                    stack.picket.logContains("recovery web/\(local.address) (container \(local.name)): restart succeeded")
                }, "the local engine's breaker is its own: \(stack.picket.log.filter { $0.contains("recovery") || $0.contains("docker") })")
                #expect(await eventually(timeout: .seconds(10)) { stack.nginx.output.contains("server \(local.address) ") }, "readmitted")
                #expect(!stack.picket.logContains("docker engine down"), "the default engine never went down")
            }
        }
    }
}
