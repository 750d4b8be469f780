import ArgumentParser
import Foundation
import PicketRuntime

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config without running anything.",
        discussion: """
            Prints every problem as FILE:LINE:COL: key.path: message and exits 1, or prints a one-line \
            summary and exits 0 (warnings, such as a status server beyond loopback, go to standard error \
            in the same form). The template is parsed, and when nginx.main_config exists on this machine \
            it must include nginx.output. The same checks run on start and on SIGHUP.
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
        print("\(config.config): OK: \(configuration.apps.count) apps, \(configuration.backendCount) backends; writes \(nginx.output), template \(nginx.template ?? "built-in")")
    }
}
