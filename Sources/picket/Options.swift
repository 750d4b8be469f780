import Foundation
import ArgumentParser
import Logging
import PicketRuntime

/// The config file every command reads: `--config`, else `PICKET_CONFIG`, else the packaged location.
struct ConfigOption: ParsableArguments {
    static let defaultPath = "/etc/picket/picket.yaml"

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("The Picket YAML config (env PICKET_CONFIG; default \(defaultPath)).", valueName: "file"))
    var config: String = ProcessInfo.processInfo.environment["PICKET_CONFIG"] ?? defaultPath

    /// The loaded setup, or every problem on standard error and exit status 1.
    func load(checkNginx: Bool) throws -> RuntimeSetup {
        do {
            return try RuntimeSetup.load(path: config, checkNginx: checkNginx)
        } catch {
            try fail(error.lines)
        }
    }
}

/// How `run` logs.
struct LogOptions: ParsableArguments {
    @Option(help: "Log line format: text (for people) or json (one object per line, for shippers).")
    var logFormat: PicketLogHandler.Format = .text

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        let format = logFormat
        let level = logLevel
        LoggingSystem.bootstrap { PicketLogHandler(label: $0, format: format, level: level) }
    }
}

extension PicketLogHandler.Format: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Prints problems to standard error and exits 1.
func fail(_ lines: [String]) throws -> Never {
    for line in lines { printError(line) }
    throw ExitCode(1)
}

func printError(_ line: String) {
    var standardError = StandardError()
    print(line, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileDescriptorWriter.write(string, to: 2)
    }
}
