import Foundation
import PicketCore
import PicketNginx
import PicketTestSupport
import Testing

/// A stale pid file, a zombie master and an interrupted apply, against real processes and files.
@Suite(.serialized) final class NginxProcessTests {
    let nginx: NginxPrefix

    init() throws {
        nginx = try NginxPrefix(port: freePort())
    }

    deinit {
        try? FileManager.default.removeItem(atPath: nginx.root)
    }

    func applier() -> NginxApplier {
        NginxApplier(settings: NginxSettings(
            output: nginx.outputPath, mainConfig: nginx.confPath,
            testCommand: [NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", "{config}"], pidFile: nginx.pidPath))
    }

    let good = "upstream web { server 127.0.0.1:8001; }\n"
    let other = "upstream web { server 127.0.0.1:8002; }\n"

    @Test func aStalePidFileNamingAStrangerIsNeverSignalled() async throws {
        let stranger = try spawn(["/bin/sleep", "30"])
        defer { kill(stranger, SIGKILL); reap(stranger) }
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        try "\(stranger)\n".write(toFile: nginx.pidPath, atomically: true, encoding: .utf8)
        #expect(NginxProcess.inspect(stranger) == .stranger("/bin/sleep 30"))
        let report = await applier().apply(other)
        guard case .failed(.reload(let message)) = report.outcome else { Issue.record("expected a reload failure, got \(report.outcome)"); return }
        #expect(message.contains("is not an nginx master but '/bin/sleep 30'") && message.contains("not signalled"), "\(message)")
        #expect(NginxProcess.inspect(stranger) == .stranger("/bin/sleep 30"), "SIGHUP would have ended sleep: it was never signalled")
        #expect(nginx.output == good, "the previous file is put back")
    }

    @Test func aZombieMasterIsNotASuccessfulReload() async throws {
        let zombie = try spawn(["/bin/true"])
        defer { reap(zombie) }
        #expect(await eventually(timeout: .seconds(5)) { NginxProcess.inspect(zombie) == .notRunning("a zombie: it has exited") })
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        try "\(zombie)\n".write(toFile: nginx.pidPath, atomically: true, encoding: .utf8)
        let report = await applier().apply(other)
        guard case .failed(.reload(let message)) = report.outcome else { Issue.record("expected a reload failure, got \(report.outcome)"); return }
        #expect(message.contains("is not running before the reload (a zombie: it has exited)"), "\(message)")
    }

    @Test func aRealNginxMasterIsRecognisedAndReloaded() async throws {
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        try await nginx.start()
        let pid = pid_t((try String(contentsOfFile: nginx.pidPath, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(pid.map { NginxProcess.inspect($0) } == .master)
        let report = await applier().apply(other)
        let reloaded = await eventually(timeout: .seconds(5)) { self.nginx.reloadCount == 1 }
        await nginx.stop()
        guard case .applied = report.outcome else { Issue.record("expected applied, got \(report.outcome)"); return }
        #expect(reloaded)
        #expect(NginxProcess.inspect(99_999_999) == .notRunning("no such process"))
    }

    @Test func onlyPicketsOwnLeftoversAreRemoved() throws {
        let picketDirectory = "\(nginx.root)/conf/picket", conf = "\(nginx.root)/conf"
        let litter = ["\(picketDirectory)/.upstreams.conf.picket-a1B2c3", "\(picketDirectory)/.upstreams.conf.picket-ZZZZZZ",
            "\(conf)/.nginx.conf.picket-staged", "\(conf)/..nginx.conf.picket-staged.picket-x9y8z7"]
        let kept = ["\(picketDirectory)/upstreams.conf", "\(picketDirectory)/.upstreams.conf.picket-toolong7", "\(picketDirectory)/.other.conf.picket-a1B2c3",
            "\(picketDirectory)/.upstreams.conf.picket-ab", "\(conf)/nginx.conf", "\(conf)/.nginx.conf.picket-staged.bak"]
        for path in litter + kept where !FileManager.default.fileExists(atPath: path) {
            try "x\n".write(toFile: path, atomically: false, encoding: .utf8)
        }
        #expect(Set(applier().removeLeftovers()) == Set(litter))
        #expect(litter.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(kept.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "nothing but Picket's own patterns is touched")
        #expect(applier().removeLeftovers().isEmpty)
    }

    /// Starts a child process without reaping it (so it can be seen as a zombie once it exits).
    private func spawn(_ argv: [String]) throws -> pid_t {
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let result = posix_spawn(&pid, argv[0], nil, nil, cArgs, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return pid
    }

    private func reap(_ pid: pid_t) {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
