import ArgumentParser
import PicketCore
import PicketRuntime

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe every backend once and print a table.",
        discussion: "Docker-backed apps include the containers Docker lists now (CONTAINER names them). Exits 1 if any backend fails its check, so it also serves as a smoke test in scripts.")

    @OptionGroup var config: ConfigOption
    @OptionGroup var docker: DockerOption

    func run() async throws {
        let setup = try config.load(checkNginx: false)
        let discovered = await DiscoveredApps.load(setup, docker: docker)
        let results = try await OneRound.probe(discovered.apps, containers: discovered.containers, maxConcurrent: setup.configuration.maxConcurrentProbes)
        var rows = [["APP", "BACKEND", "CONTAINER", "RESULT", "TRIES", "CLASS", "STATUS", "LATENCY", "DETAIL"]]
        for result in results {
            let evidence = result.outcome.evidence
            rows.append([
                "\(result.backend.app)", "\(result.backend.address)", discovered.containers[result.backend]?.name ?? "-", verdict(result.outcome),
                "\(result.attempts)",
                result.outcome.failureClass?.rawValue ?? result.outcome.localFault?.rawValue ?? "-", evidence.statusCode.map(String.init) ?? "-",
                evidence.latency?.shortDescription ?? "-", evidence.message ?? "",
            ])
        }
        printTable(rows)
        let failed = results.filter { !$0.outcome.passed }.count
        let local = results.filter { $0.outcome.localFault != nil }.count
        FileDescriptorWriter.write(
            "\(results.count - failed) of \(results.count) backends pass\(local > 0 ? "; \(local) could not be checked (a fault on this side)" : "")\n", to: 1)
        if failed > 0 { throw ExitCode(1) }
    }

    /// pass, FAIL, or LOCAL when the probe could not be made here (it says nothing of the backend).
    private func verdict(_ outcome: ProbeOutcome) -> String {
        if outcome.passed { return "pass" }
        return outcome.localFault == nil ? "FAIL" : "LOCAL"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
