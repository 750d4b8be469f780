import ArgumentParser
import Logging
import NIOPosix
import PicketRuntime
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller beside nginx.",
        discussion: """
            Every backend transition and every upstream change is logged as it happens, one line each, \
            flushed at once (try `picket run -c picket.yaml | grep upstream`). Until every backend has a \
            first verdict the existing upstream file is left as it is, so restarting Picket never flaps \
            nginx. SIGHUP reloads the config; a config with errors is refused and the running one kept.
            """)

    @OptionGroup var config: ConfigOption
    @OptionGroup var log: LogOptions

    func run() async throws {
        let setup = try config.load(checkNginx: true)
        log.bootstrap()
        let logger = Logger(label: "picket")
        let files = OpenFileLimit.raise()
        if files.after < OpenFileLimit.comfortable {
            logger.warning("open-file limit is \(files.after) (hard limit): probes and status connections share it; raise it (systemd LimitNOFILE=, ulimit -Hn)",
                metadata: ["event": "open_file_limit", "before": "\(files.before)", "after": "\(files.after)"])
        } else {
            logger.info("open-file limit \(files.after) (soft limit was \(files.before))",
                metadata: ["event": "open_file_limit", "before": "\(files.before)", "after": "\(files.after)"])
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let controller = Controller(setup: setup, configPath: config.config, logger: logger, group: group)
        let services = ServiceGroup(
            services: [controller], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        try await services.run()
        try await group.shutdownGracefully()
    }
}
