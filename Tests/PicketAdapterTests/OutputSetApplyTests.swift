import Foundation
import PicketCore
@testable import PicketNginx
import PicketTestSupport
import Testing

/// Several outputs as one change, against a real nginx config with http {} and stream {}: one staged
/// `nginx -t` for all, one reload, every file old or new together.
@Suite(.serialized) final class OutputSetApplyTests {
    let nginx: NginxPrefix
    let reloads: String
    let appDirectory: String

    init() throws {
        nginx = try NginxPrefix(port: freePort(), stream: (upstream: "cache", port: freePort()))
        reloads = "\(nginx.root)/reloads.log"
        appDirectory = "\(nginx.root)/conf/picket/apps"
        try FileManager.default.createDirectory(atPath: appDirectory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: nginx.root)
    }

    func applier(perApp: Bool = false, reload: [String]? = nil) -> NginxApplier {
        NginxApplier(settings: NginxSettings(
            output: nginx.outputPath, streamOutput: nginx.streamOutputPath, outputPerApp: perApp ? appDirectory : nil, mainConfig: nginx.confPath,
            testCommand: [NginxPrefix.binary, "-p", nginx.root, "-q", "-t", "-c", "{config}"],
            reloadCommand: reload ?? ["/bin/sh", "-c", "echo reload >> \(reloads)"], pidFile: nil))
    }

    var reloadCount: Int {
        ((try? String(contentsOfFile: reloads, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    static let marker = "# Picket\n"

    func outputs(web: Int, cache: Int, cacheExtra: String = "") -> OutputSet {
        OutputSet(
            files: [
                OutputFile(path: nginx.outputPath, role: .context(.http), text: Self.marker + "upstream web { server 127.0.0.1:\(web); }\n"),
                OutputFile(path: nginx.streamOutputPath, role: .context(.stream), text: Self.marker + "upstream cache { server 127.0.0.1:\(cache)\(cacheExtra); }\n"),
            ], marker: Self.marker)
    }

    func contents(_ set: OutputSet) -> [String] {
        set.files.map { (try? String(contentsOfFile: $0.path, encoding: .utf8)) ?? "(missing)" }
    }

    func litter() -> [String] {
        ["\(nginx.root)/conf", "\(nginx.root)/conf/picket", appDirectory].flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains("picket-") }
        }
    }

    @Test func anHttpAndAStreamChangeAreValidatedTogetherAndReloadedOnce() async throws {
        let first = outputs(web: 8001, cache: 6379), second = outputs(web: 8002, cache: 6380)
        guard case .applied = await applier().apply(first).outcome else { Issue.record("the first set was not applied"); return }
        let report = await applier().apply(second)
        guard case .applied = report.outcome else { Issue.record("expected applied, got \(report.outcome)"); return }
        #expect(contents(second) == second.files.map(\.text))
        #expect(report.files == 2)
        #expect(reloadCount == 2, "one reload per change, whatever the number of files")
        guard case .unchanged = await applier().apply(second).outcome else { Issue.record("identical bytes must be a no-op"); return }
        #expect(reloadCount == 2)
        #expect(litter().isEmpty, "\(litter())")
    }

    @Test func aStreamFileNginxRejectsLeavesEveryFileAsItWas() async throws {
        let good = outputs(web: 8001, cache: 6379)
        _ = await applier().apply(good)
        let report = await applier().apply(outputs(web: 8002, cache: 6380, cacheExtra: " keepalive_requests=4"))
        guard case .failed(.validation(let message, let blamed)) = report.outcome else { Issue.record("expected a validation failure, got \(report.outcome)"); return }
        #expect(blamed == ApplyError.Blame(file: nginx.streamOutputPath, line: 2), "\(message)")
        #expect(message.contains("\(nginx.streamOutputPath) (candidate)"), "\(message)")
        #expect(contents(good) == good.files.map(\.text), "the http file, valid on its own, is not written either")
        #expect(reloadCount == 1)
        #expect(litter().isEmpty, "\(litter())")
    }

    @Test func aFailedReloadPutsEveryFileBack() async throws {
        let good = outputs(web: 8001, cache: 6379)
        _ = await applier().apply(good)
        let report = await applier(reload: ["/bin/sh", "-c", "echo cannot reload >&2; exit 1"]).apply(outputs(web: 8002, cache: 6380))
        guard case .failed(.reload) = report.outcome else { Issue.record("expected a reload failure, got \(report.outcome)"); return }
        #expect(contents(good) == good.files.map(\.text))
        #expect(litter().isEmpty, "\(litter())")
    }

    @Test func aSwapKilledBetweenItsRenamesIsFinishedOnTheNextStart() async throws {
        let old = outputs(web: 8001, cache: 6379), new = outputs(web: 8002, cache: 6380)
        _ = await applier().apply(old)
        let applier = applier()
        let moves = try new.files.map { (staged: try AtomicFile.stage(Array($0.text.utf8), besides: $0.path), live: $0.path) }
        try applier.journal.record(moves, removing: [])
        try AtomicFile.install(staged: moves[0].staged, at: moves[0].live)
        #expect(contents(new)[0] == new.files[0].text && contents(new)[1] == old.files[1].text, "a mixed pair, as kill -9 leaves it")

        let finished = try #require(await applier.finishInterruptedSwap())
        #expect(finished.files == [nginx.streamOutputPath])
        #expect(finished.reloadError == nil)
        #expect(contents(new) == new.files.map(\.text), "the validated new pair, whole")
        #expect(reloadCount == 2, "nginx gets the reload the swap was for")
        #expect(applier.removeLeftovers().isEmpty && litter().isEmpty, "\(litter())")
        #expect(await applier.finishInterruptedSwap() == nil, "nothing to finish twice")
    }

    @Test func eachAppHasAFileAndTheFileOfAnAppThatIsGoneIsRemovedInTheSameSwap() async throws {
        func perApp(_ apps: [String]) -> OutputSet {
            var files = apps.map { OutputFile(path: "\(appDirectory)/\($0).conf", role: .app(try! AppName(validating: $0)), text: Self.marker + "upstream \($0) { server 127.0.0.1:6379; }\n") }
            files.append(OutputFile(path: nginx.streamOutputPath, role: .context(.stream), text: Self.marker + apps.map { "include \(appDirectory)/\($0).conf;\n" }.joined()))
            files.append(OutputFile(path: nginx.outputPath, role: .context(.http), text: Self.marker + "upstream web { server 127.0.0.1:8001; }\n"))
            return OutputSet(files: files, appDirectory: appDirectory, marker: Self.marker)
        }
        try "mine, not Picket's\n".write(toFile: "\(appDirectory)/notes.conf", atomically: true, encoding: .utf8)
        let two = perApp(["cache", "queue"])
        guard case .applied = await applier(perApp: true).apply(two).outcome else { Issue.record("per-app set not applied"); return }
        #expect(contents(two) == two.files.map(\.text))
        let rejected = await applier(perApp: true).apply(OutputSet(
            files: two.files.map { $0.role == .app(try! AppName(validating: "queue")) ? OutputFile(path: $0.path, role: $0.role, text: $0.text + "bogus;\n") : $0 },
            appDirectory: appDirectory, marker: Self.marker))
        guard case .failed(.validation(_, let blamed)) = rejected.outcome else { Issue.record("expected a validation failure, got \(rejected.outcome)"); return }
        #expect(blamed == ApplyError.Blame(file: "\(appDirectory)/queue.conf", line: 3), "nginx read the app's candidate through the stream file's copy")

        let one = perApp(["cache"])
        let report = await applier(perApp: true).apply(one)
        guard case .applied = report.outcome else { Issue.record("expected applied, got \(report.outcome)"); return }
        #expect(!FileManager.default.fileExists(atPath: "\(appDirectory)/queue.conf"), "the app that is gone loses its file")
        #expect(FileManager.default.fileExists(atPath: "\(appDirectory)/notes.conf"), "a file without Picket's marker is not Picket's")
        #expect(report.files == 2 && reloadCount == 2)
        #expect(litter().isEmpty, "\(litter())")
    }

    @Test func includesOutsideTheirOwnBlockAreReportedWhereTheyAre() throws {
        try """
            events {}
            # include picket/stream.conf; in a comment does not count
            http {
                server { listen 127.0.0.1:1; location / { return 200 "${host}"; add_header X-Host ${host}; } }
                include "picket/stream.conf";
            }
            stream { server { listen 127.0.0.1:2; proxy_pass cache; }
              include
                picket/upstreams.conf; }
            """.write(toFile: nginx.confPath, atomically: true, encoding: .utf8)
        let problems = applier().includeProblems(required: [.http, .stream])
        #expect(problems.map(\.description) == [
            "\(nginx.confPath):8:3: include picket/upstreams.conf is inside stream {}, but that file holds http upstreams: include it directly inside http {}",
            "\(nginx.confPath):5:5: include picket/stream.conf is inside http {}, but that file holds stream upstreams: include it directly inside stream {}",
        ])
        try "events {}\nhttp { include picket/upstreams.conf; }\n".write(toFile: nginx.confPath, atomically: true, encoding: .utf8)
        #expect(applier().includeProblems(required: [.http]).isEmpty, "a stream output is only needed once an app lives there")
        #expect(applier().includeProblems(required: [.http, .stream]).map(\.message).first?.contains("has no 'include \(nginx.streamOutputPath);'") == true)
    }
}
