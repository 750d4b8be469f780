import Foundation
import PicketCore
import PicketNginx
import PicketRender

/// A whole apply of one change, `nginx -t` included, for the three ways of writing the outputs: one
/// http file, an http and a stream file, one file per app. The reload is a no-op command (nginx's
/// reload time does not depend on the layout); the validation is a real `nginx -t` with the stream
/// module.
struct OutputSetBench {
    let apps: Int
    let servers: Int

    func run() async throws {
        let module = await CommandRunner.run(["/bin/bash", "nginx/stream-module.sh", NginxBinary.path], timeout: .seconds(10))
        guard module.succeeded else { throw BenchError("nginx/stream-module.sh (run from the repository): \(module.summary)") }
        let specs = (0..<apps).map { index in
            AppSpec(
                name: try! AppName(validating: "app\(index)"),
                instances: (0..<servers).map { InstanceSpec(address: try! ServerAddress(validating: "127.\(index / 250).\(index % 250).\($0 + 1):6379")) },
                context: index % 2 == 0 ? .http : .stream)
        }
        print("apply of one change, nginx -t included: \(apps) apps (half in stream {} where the layout has it) x \(servers) servers, 15 measured changes each")
        for layout in Layout.allCases {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-bench-set-\(getpid())-\(layout)").path
            try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let streamInclude = layout == .oneFile ? "" : "stream { include \(directory)/stream.conf; }"
            try (module.output + "pid logs/nginx.pid; error_log logs/error.log; events {} http { include \(directory)/upstreams.conf; } \(streamInclude)\n")
                .write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
            let settings = NginxSettings(
                output: "\(directory)/upstreams.conf", streamOutput: layout == .oneFile ? nil : "\(directory)/stream.conf",
                outputPerApp: layout == .perApp ? "\(directory)/apps" : nil, mainConfig: "\(directory)/nginx.conf",
                testCommand: [NginxBinary.path, "-p", directory, "-q", "-t", "-c", NginxSettings.configPlaceholder], reloadCommand: ["/bin/true"], pidFile: nil)
            let apps = layout == .oneFile ? specs.map { var app = $0; app.context = .http; return app } : specs
            let renderer = OutputRenderer(settings: settings)
            let applier = NginxApplier(settings: settings)
            _ = await applier.apply(renderer.render(.assumingHealthy(apps)))
            var totals: [Double] = [], validations: [Double] = [], files: [Int] = []
            for change in 0..<16 {
                let down = apps[change % apps.count].instances[0].address
                let report = await applier.apply(renderer.render(UpstreamSet(apps: apps) { _, instance in instance.address == down ? .out : .serving(rampStep: nil) }))
                guard case .applied = report.outcome else { throw BenchError("\(layout): \(report.outcome)") }
                guard change > 0 else { continue }
                totals.append(report.total.milliseconds)
                validations.append((report.validation ?? .zero).milliseconds)
                files.append(report.files)
            }
            let outputs = renderer.render(.assumingHealthy(apps)).files.count
            print(
                "  \(layout.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(outputs) files; per change \(files.sorted()[files.count / 2]) written, apply median \(format(percentile(totals.sorted(), 0.5), 1)) ms (nginx -t \(format(percentile(validations.sorted(), 0.5), 1)) ms), p90 \(format(percentile(totals.sorted(), 0.9), 1)) ms"
            )
        }
    }

    enum Layout: String, CaseIterable {
        case oneFile = "http only"
        case twoFiles = "http + stream"
        case perApp = "one file per app"
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
