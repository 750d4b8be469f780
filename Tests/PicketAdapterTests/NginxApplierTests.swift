import Foundation
import PicketCore
import PicketNginx
import PicketTestSupport
import Testing

@Suite(.serialized) final class NginxApplierTests {
    let nginx: NginxPrefix
    let reloads: String

    init() throws {
        nginx = try NginxPrefix(port: freePort())
        reloads = "\(nginx.root)/reloads.log"
    }

    deinit {
        try? FileManager.default.removeItem(atPath: nginx.root)
    }

    func applier(reload: [String]? = nil) -> NginxApplier {
        NginxApplier(settings: NginxSettings(
            output: nginx.outputPath, mainConfig: nginx.confPath,
            testCommand: [NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", "{config}"],
            reloadCommand: reload ?? ["/bin/sh", "-c", "echo reload >> \(reloads)"], pidFile: nil))
    }

    var reloadCount: Int {
        ((try? String(contentsOfFile: reloads, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    let good = "upstream web { server 127.0.0.1:8001; }\n"
    let other = "upstream web { server 127.0.0.1:8002; }\n"

    @Test func writesValidatesAndReloadsOnceThenSkipsIdenticalBytes() async throws {
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        chmod(nginx.outputPath, 0o640)
        let first = await applier().apply(other)
        guard case .applied = first.outcome else { Issue.record("expected applied, got \(first.outcome)"); return }
        #expect(nginx.output == other)
        #expect(reloadCount == 1)
        var info = stat()
        stat(nginx.outputPath, &info)
        #expect(info.st_mode & 0o777 == 0o640, "the file keeps its mode across the swap")
        let second = await applier().apply(other)
        guard case .unchanged = second.outcome else { Issue.record("expected unchanged"); return }
        #expect(reloadCount == 1, "identical bytes must not reload nginx")
    }

    @Test func aCandidateNginxRejectsNeverReachesTheLiveFile() async throws {
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        let report = await applier().apply("# first line\nupstream web { server 127.0.0.1:8001 bogus; }\n")
        guard case .failed(.validation(let message, let blamed)) = report.outcome else { Issue.record("expected a validation failure, got \(report.outcome)"); return }
        #expect(message.contains("invalid parameter"))
        #expect(blamed == ApplyError.Blame(file: nginx.outputPath, line: 2), "the candidate's line nginx blamed, to find the upstream at fault")
        #expect(nginx.output == good)
        #expect(reloadCount == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(nginx.root)/conf/picket") + FileManager.default.contentsOfDirectory(atPath: "\(nginx.root)/conf")
        #expect(!leftovers.contains { $0.contains("picket-") }, "temporary and staged files are removed: \(leftovers)")
    }

    @Test func aFailedReloadPutsThePreviousBytesBack() async throws {
        try good.write(toFile: nginx.outputPath, atomically: true, encoding: .utf8)
        let report = await applier(reload: ["/bin/sh", "-c", "echo cannot reload >&2; exit 1"]).apply(other)
        guard case .failed(.reload(let message)) = report.outcome else { Issue.record("expected a reload failure, got \(report.outcome)"); return }
        #expect(message.contains("cannot reload"))
        #expect(nginx.output == good)
    }

    @Test func refusesAMainConfigThatDoesNotIncludeTheOutput() throws {
        let settings = NginxSettings(output: "\(nginx.root)/elsewhere.conf", mainConfig: nginx.confPath)
        #expect(NginxApplier(settings: settings).includeProblems().map(\.message).first?.contains("has no 'include \(nginx.root)/elsewhere.conf;'") == true)
        #expect(applier().includeProblems().isEmpty)
    }
}

extension NginxApplier {
    /// Applies `text` as the only output, the http one.
    func apply(_ text: String) async -> Report {
        await apply(OutputSet(files: [OutputFile(path: settings.output, role: .context(.http), text: text)], marker: "#"))
    }
}
