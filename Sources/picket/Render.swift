import ArgumentParser
import PicketCore
import PicketRuntime

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the upstream file Picket would write.",
        discussion: "By default every non-drained instance is taken as healthy; --probe checks each backend once first and leaves out those that fail.")

    @OptionGroup var config: ConfigOption

    @Flag(help: "Probe every backend once and render what that round finds.")
    var probe = false

    func run() async throws {
        let setup = try config.load(checkNginx: false)
        let apps = setup.configuration.apps
        var set = UpstreamSet.assumingHealthy(apps)
        if probe {
            let results = try await OneRound.probe(apps, maxConcurrent: setup.configuration.maxConcurrentProbes)
            let passed = Set(results.filter { $0.outcome.passed }.map(\.backend))
            set = UpstreamSet(apps: apps) { id, instance in !instance.drain && passed.contains(id) ? .serving(rampStep: nil) : .out }
        }
        FileDescriptorWriter.write(setup.renderer.render(set), to: 1)
    }
}
