import ArgumentParser
import PicketCore
import PicketRuntime

struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the upstream files Picket would write.",
        discussion: """
            By default every non-drained instance is taken as healthy (a container only while it runs and Docker does not \
            report it unhealthy); --probe checks each backend once first and leaves out those that fail. Docker-backed apps \
            include the containers Docker lists now. With one output the file is printed as is; with several (stream apps, \
            output_per_app) each follows a '# file: PATH' line.
            """)

    @OptionGroup var config: ConfigOption

    @Flag(help: "Probe every backend once and render what that round finds.")
    var probe = false

    @OptionGroup var docker: DockerOption

    func run() async throws {
        let setup = try config.load(checkNginx: false)
        let discovered = await DiscoveredApps.load(setup, docker: docker)
        var set = UpstreamSet(apps: discovered.apps) { discovered.assumedHealthy($0, $1) ? .serving(rampStep: nil) : .out }
        if probe {
            let results = try await OneRound.probe(discovered.apps, containers: discovered.containers, maxConcurrent: setup.configuration.maxConcurrentProbes)
            let passed = Set(results.filter { $0.outcome.passed }.map(\.backend))
            set = UpstreamSet(apps: discovered.apps) { id, instance in !instance.drain && passed.contains(id) ? .serving(rampStep: nil) : .out }
        }
        let files = setup.renderer.render(set).files
        let text = files.count == 1 ? files[0].text : files.map { "# file: \($0.path)\n\($0.text)" }.joined(separator: "\n")
        FileDescriptorWriter.write(text, to: 1)
    }
}
