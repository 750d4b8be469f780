import ArgumentParser
import Foundation
import PicketFleet
import PicketRuntime
import PicketStore

/// `picket status`: every app and backend of the running Picket as a table; in a fleet, then every
/// node's view of every backend, the nodes, the leases and which node acted last.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the apps and backends of the running Picket.")

    @OptionGroup var server: StatusClientOptions

    struct Apps: Decodable { let apps: [AppSummary] }

    func run() async throws {
        let apps = try decode(Apps.self, try await server.send(.GET, "/v1/apps")).apps
        var rows = [["APP", "BACKEND", "PHASE", "CIRCUIT", "ROTATION", "WHY"]]
        for app in apps {
            let detail = try decode(AppDocument.self, try await server.send(.GET, "/v1/apps/\(segment(app.name))"))
            for backend in detail.backends {
                rows.append([app.name, backend.address, backend.phase, backend.circuit, backend.inRotation ? "in" : "out", backend.why])
            }
        }
        printTable(rows)
        let fleet = try await server.send(.GET, "/v1/fleet")
        guard fleet.status != 404 else { return }
        printFleet(try decode(FleetView.self, fleet))
    }

    private func printFleet(_ fleet: FleetView) {
        print("\nfleet: " + fleet.nodes.map { "\($0.name) (seen \($0.secondsSinceSeen)s ago)" }.joined(separator: ", "))
        for lease in fleet.leases {
            print("lease \(lease.scope): \(lease.holder), token \(lease.token), \(lease.secondsLeft > 0 ? "\(lease.secondsLeft)s left" : "expired")")
        }
        var rows = [["APP", "BACKEND", "NODE", "PHASE", "ROTATION", "DRAINED", "LAST ACTION"]]
        for backend in fleet.backends {
            let acted = backend.lastAction.map { "\($0.node): \($0.detail)" } ?? "-"
            for (index, view) in backend.views.enumerated() {
                rows.append([
                    index == 0 ? backend.app : "", index == 0 ? backend.address : "", view.node, view.phase, view.inRotation ? "in" : "out",
                    view.operatorDrained ? "yes" : "no", index == 0 ? acted : "",
                ])
            }
        }
        printTable(rows)
    }
}

/// `picket why APP BACKEND`: why one backend is where it is, with its last checks.
struct Why: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain one backend's state, with its last checks.")

    @OptionGroup var server: StatusClientOptions
    @Argument(help: "The app (nginx upstream) name.") var app: String
    @Argument(help: "The backend address, as in the config (host:port).") var backend: String

    func run() async throws {
        let backend = try decode(BackendDocument.self, try await server.send(.GET, "/v1/apps/\(segment(app))/backends/\(segment(self.backend))"))
        print("\(app)/\(backend.address): \(backend.phase), \(backend.inRotation ? "in rotation" : "out of rotation")")
        print("why: \(backend.why)")
        if !backend.lastChecks.isEmpty { print("last checks (newest first):") }
        for check in backend.lastChecks {
            let verdict = check.passed ? "passed" : "failed (\(check.failureClass ?? "?"))"
            let details = [check.status.map { "status \($0)" }, check.latencyMs.map { "\($0)ms" }, check.message].compactMap { $0 }
            print("  \(check.at ?? "")  \(verdict)\(details.isEmpty ? "" : ": " + details.joined(separator: ", "))")
        }
    }
}

/// The backend an operator action is for, and where to send it.
struct OperatorTarget: ParsableArguments {
    @OptionGroup var server: StatusClientOptions
    @Argument(help: "The app (nginx upstream) name.") var app: String
    @Argument(help: "The backend address (host:port).") var backend: String

    /// Sends the action and prints what Picket now says of the backend.
    func perform(_ action: String) async throws {
        let response = try await server.send(.POST, "/v1/apps/\(segment(app))/backends/\(segment(backend))/\(action)")
        let result = try decode(BackendDocument.self, response)
        print("\(app)/\(result.address): \(result.why)")
    }
}

/// `picket drain|undrain|reset APP BACKEND`: operator actions, authenticated with the bearer token.
struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Take a backend out of rotation (it keeps being checked).")
    @OptionGroup var target: OperatorTarget
    func run() async throws { try await target.perform("drain") }
}

struct Undrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Put a drained backend back (it returns when its checks pass).")
    @OptionGroup var target: OperatorTarget
    func run() async throws { try await target.perform("undrain") }
}

struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Release a quarantined container backend: recovery starts afresh.")
    @OptionGroup var target: OperatorTarget
    func run() async throws { try await target.perform("reset") }
}

/// `picket report APP [--window 24h]`: the health report from the running Picket's history.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an app's health report: uptime, checks, response times, errors.")

    @OptionGroup var server: StatusClientOptions
    @Argument(help: "The app (nginx upstream) name.") var app: String
    @Option(help: "How far back, as a duration: 1h, 24h, 168h.") var window: String = "24h"

    func run() async throws {
        let path = "/v1/apps/\(segment(app))/report?window=\(segment(window))"
        let report = try decode(AppReport.self, try await server.send(.GET, path))
        func ms(_ value: Double?) -> String { value.map { "\($0) ms" } ?? "-" }
        print("app \(report.app), last \(window)")
        print("uptime:        \(report.uptimePercent.map { "\($0) %" } ?? "- (no checks)")")
        print("checks:        \(report.totalChecks) total, \(report.successfulChecks) passed, \(report.failedChecks) failed")
        print("response time: average \(ms(report.averageResponseMs)), p95 \(ms(report.p95ResponseMs))")
        if !report.errors.isEmpty {
            print("errors:        " + report.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}
