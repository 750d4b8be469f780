import ArgumentParser
import NIOPosix
import PicketCore
import PicketRuntime

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe every backend once and print a table.",
        discussion: "Exits 1 if any backend fails its check, so it also serves as a smoke test in scripts.")

    @OptionGroup var config: ConfigOption

    func run() async throws {
        let setup = try config.load(checkNginx: false)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let results = await OneRound.probe(setup.configuration.apps, maxConcurrent: setup.configuration.maxConcurrentProbes, group: group)
        try await group.shutdownGracefully()
        var rows = [["APP", "BACKEND", "RESULT", "TRIES", "CLASS", "STATUS", "LATENCY", "DETAIL"]]
        for result in results {
            let evidence = result.outcome.evidence
            rows.append([
                "\(result.backend.app)", "\(result.backend.address)", result.outcome.passed ? "pass" : "FAIL", "\(result.attempts)",
                result.outcome.failureClass?.rawValue ?? "-", evidence.statusCode.map(String.init) ?? "-",
                evidence.latency?.shortDescription ?? "-", evidence.message ?? "",
            ])
        }
        printTable(rows)
        let failed = results.filter { !$0.outcome.passed }.count
        FileDescriptorWriter.write("\(results.count - failed) of \(results.count) backends pass\n", to: 1)
        if failed > 0 { throw ExitCode(1) }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
