import ArgumentParser
import Foundation
import PicketCore
import PicketRuntime

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config without running anything.",
        discussion: """
            Prints every problem as FILE:LINE:COL: key.path: message and exits 1, or prints a one-line \
            summary and exits 0 (warnings, such as a status server beyond loopback, go to standard error \
            in the same form). The templates are parsed, stream apps must use TCP (or no) health checks, and \
            when nginx.main_config exists on this machine it must include nginx.output directly inside \
            http {} and nginx.stream_output directly inside stream {} (a misplaced include is reported at \
            its FILE:LINE:COL in nginx.conf). The same checks run on start and on SIGHUP.
            """)

    @OptionGroup var config: ConfigOption

    func run() async throws {
        let setup = try config.load(checkNginx: false)
        let nginx = setup.configuration.nginx
        if FileManager.default.fileExists(atPath: nginx.mainConfig) {
            do {
                try setup.verifyNginx()
            } catch {
                try fail(error.lines)
            }
        }
        for warning in setup.warnings { printError(warning.description) }
        let configuration = setup.configuration
        let stream = configuration.apps.filter { $0.context == .stream }.count
        let writes = [nginx.output, nginx.streamOutput].compactMap { $0 } + (nginx.outputPerApp.map { ["one file per app in \($0)"] } ?? [])
        print(
            "\(config.config): OK: \(configuration.apps.count) apps, \(configuration.backendCount) backends\(stream > 0 ? " (\(stream) stream apps)" : ""); writes \(writes.joined(separator: ", ")), template \(nginx.template ?? "built-in")"
        )
    }
}
