import Foundation
import PicketCore
import PicketNginx
import PicketRender

/// Render + swap of a large upstream file: Picket's own share of an apply (nginx -t and the reload are
/// nginx's time and are left out).
struct ApplyBench {
    let upstreams: Int
    let servers: Int

    func run() throws {
        let apps = (0..<upstreams).map { index in
            AppSpec(
                name: try! AppName(validating: "app\(index)"),
                instances: (0..<servers).map { server in
                    InstanceSpec(address: try! ServerAddress(validating: "127.\(index / 250).\(index % 250).\(server + 1):8080"))
                })
        }
        let healthy = UpstreamSet.assumingHealthy(apps)
        let oneDown = UpstreamSet(apps: apps) { id, _ in id.address.description != "127.0.0.1:8080" ? .serving(rampStep: nil) : .out }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-apply-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = "\(directory)/upstreams.conf"
        let renderer = UpstreamRenderer.builtIn
        var renders: [Double] = [], swaps: [Double] = [], compares: [Double] = []
        var bytes = 0
        let clock = ContinuousClock()
        // Cold: a renderer with an empty block cache (start-up, or a new template), each path 7 times.
        func cold(compiled: Bool) throws -> [Double] {
            try (0..<7).map { _ in
                let fresh = try UpstreamRenderer(text: DefaultTemplate.text, name: DefaultTemplate.name, compiledBuiltIn: compiled)
                let start = clock.now
                _ = fresh.render(healthy)
                return (clock.now - start).milliseconds
            }.sorted()
        }
        let coldCompiled = try cold(compiled: true)
        let coldMustache = try cold(compiled: false)
        for iteration in 0..<30 {
            let set = iteration % 2 == 0 ? healthy : oneDown  // one upstream changes each time
            let renderStart = clock.now
            let text = renderer.render(set)
            let rendered = clock.now
            let data = Array(text.utf8)
            let same = try AtomicFile.read(output) == data
            let compared = clock.now
            if !same { try AtomicFile.install(staged: try AtomicFile.stage(data, besides: output), at: output) }
            let swapped = clock.now
            bytes = data.count
            guard iteration >= 5 else { continue }
            renders.append((rendered - renderStart).milliseconds)
            compares.append((compared - rendered).milliseconds)
            swaps.append((swapped - compared).milliseconds)
        }
        let totals = zip(zip(renders, compares), swaps).map { $0.0 + $0.1 + $1 }.sorted()
        print("apply: \(upstreams) upstreams x \(servers) servers = \(upstreams * servers) server lines, \(bytes / 1024) KiB, 25 measured runs")
        print("  render, cold    median \(format(percentile(coldCompiled, 0.5), 2)) ms built-in template compiled, \(format(percentile(coldMustache, 0.5), 2)) ms through swift-mustache (every block rendered: start-up, or a new template; 7 runs each)")
        print("  render          median \(format(percentile(renders.sorted(), 0.5), 2)) ms   p90 \(format(percentile(renders.sorted(), 0.9), 2)) ms")
        print("  read+compare    median \(format(percentile(compares.sorted(), 0.5), 2)) ms")
        print("  stage+fsync+rename median \(format(percentile(swaps.sorted(), 0.5), 2)) ms")
        print("  render+swap     median \(format(percentile(totals, 0.5), 2)) ms   p90 \(format(percentile(totals, 0.9), 2)) ms")
    }
}
