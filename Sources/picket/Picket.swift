import ArgumentParser
import PicketRuntime

/// `picket`: health-checks nginx upstreams and keeps nginx's upstream file true to what it finds.
@main
struct Picket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "picket",
        abstract: "Health-check every nginx upstream backend and keep nginx's upstream file true to their health.",
        discussion: """
            Picket probes each backend declared in its YAML config, keeps a circuit per backend, renders \
            the nginx upstream file from a template, validates it with nginx -t before it goes live, swaps \
            it atomically and reloads nginx only when the set of servers really changes.

            Start with `picket validate --config FILE`, look at `picket render --config FILE`, then \
            `picket run --config FILE`. SIGHUP reloads the config; SIGTERM or SIGINT stop Picket and leave \
            the last good file in place. `picket status`, `why`, `report`, `drain`, `undrain` and `reset` \
            talk to a running Picket's status server (--url, default http://127.0.0.1:9180).
            """,
        version: PicketVersion.current,
        subcommands: [
            Run.self, Validate.self, Render.self, Check.self, Status.self, Why.self, Drain.self, Undrain.self, Reset.self, Report.self, ConfigCommand.self,
        ]
    )
}
