import Foundation
import PicketNginx
import PicketTestSupport

/// A second, real Docker engine for one suite, listening only on `tcp://127.0.0.1:PORT` with
/// `--tlsverify` (certificates from `TLSCertificates`): the remote-engine case, on loopback. It has its
/// own data and exec roots, gets the busybox test image by `docker import`, and is stopped and removed
/// at the end.
final class TLSDockerEngine: Sendable {
    let certificates: TLSCertificates
    let port = freePort()
    /// Docker's layout for the client side: `ca.pem`, `cert.pem`, `key.pem` (as `DOCKER_CERT_PATH`).
    let certPath: String
    private let root: String
    private let daemon: ChildProcess

    /// Runs `body` with a fresh engine, stopped and removed afterwards whatever happens.
    static func with(_ body: (TLSDockerEngine) async throws -> Void) async throws {
        try await using(try await TLSDockerEngine(), body) { await $0.stop() }
    }

    /// The docker CLI's options that reach this engine as a trusted client.
    var cli: [String] {
        ["-H", "tcp://127.0.0.1:\(port)", "--tlsverify", "--tlscacert", "\(certPath)/ca.pem", "--tlscert", "\(certPath)/cert.pem", "--tlskey", "\(certPath)/key.pem"]
    }

    init() async throws {
        certificates = try await TLSCertificates.make()
        root = "/tmp/pd-\(UUID().uuidString.prefix(8).lowercased())"
        certPath = "\(root)/client"
        try FileManager.default.createDirectory(atPath: certPath, withIntermediateDirectories: true)
        for (name, source) in [("ca.pem", certificates.caFile), ("cert.pem", certificates.certificate(.client)), ("key.pem", certificates.key(.client))] {
            try FileManager.default.copyItem(atPath: source, toPath: "\(certPath)/\(name)")
        }
        daemon = try ChildProcess([
            "/usr/bin/env", "dockerd", "--data-root", "\(root)/data", "--exec-root", "\(root)/exec", "--pidfile", "\(root)/dockerd.pid",
            "-H", "tcp://127.0.0.1:\(port)", "--tlsverify", "--tlscacert", certificates.caFile,
            "--tlscert", certificates.certificate(.valid), "--tlskey", certificates.key(.valid),
            "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs",
        ], logPath: "\(root)/dockerd.log")
        let cli = self.cli
        guard await eventually(timeout: .seconds(60), every: .milliseconds(250), {
            await CommandRunner.run(["/usr/bin/env", "docker"] + cli + ["version"], timeout: .seconds(10)).succeeded
        }) else {
            let log = daemon.log
            await stop()
            throw TestContainers.DockerFailed(description: "dockerd with --tlsverify did not answer within 60 s: \(log.suffix(2000))")
        }
        try await importImage()
    }

    /// The busybox image, built by `scripts/docker-env.sh image` as for the main engine (no registry),
    /// with the docker CLI pointed at this engine through its environment.
    private func importImage() async throws {
        let script = NginxPrefix.repository.appendingPathComponent("scripts/docker-env.sh").path
        let result = await CommandRunner.run([
            "/usr/bin/env", "DOCKER_HOST=tcp://127.0.0.1:\(port)", "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=\(certPath)", "bash", script, "image",
        ], timeout: .seconds(120))
        guard result.succeeded else { throw TestContainers.DockerFailed(description: "docker import into the TLS engine: \(result.summary)") }
    }

    /// Stops the engine (its containers stop with it), as when the other host goes away.
    func stopDaemon() async {
        await daemon.stop()
    }

    /// Stops the engine and removes its directories, after detaching what it left mounted there (the
    /// network namespace dockerd mounts under its exec root).
    func stop() async {
        await daemon.stop()
        certificates.remove()
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 1, fields[1].hasPrefix(root + "/") { umount2(String(fields[1]), Int32(MNT_DETACH)) }
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
