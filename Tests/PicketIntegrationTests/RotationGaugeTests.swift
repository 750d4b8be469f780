import Foundation
import PicketTestSupport
import Testing

/// `picket_backend_in_rotation` says what the file says, whatever moved the backend: an operator's
/// drain and undrain, Docker's HEALTHCHECK, a recovery, a removal. Real engine, real nginx.
@Suite(.serialized, .enabled(if: DockerStack.runs, "no Docker engine (CI fails instead of skipping)"))
struct RotationGaugeTests {
    static let token = "gauge-token-0123456789"

    @Test func theInRotationGaugeAgreesWithTheFileForEveryCause() async throws {
        let port = freePort()
        try await DockerStack.with(settings: "status: {listen: 127.0.0.1:\(port), token: \(Self.token)}\n") { stack in
            let api = StatusAPI(port: port)
            let a = try await stack.startContainer("a")
            let bPort = freePort()
            let b = try await stack.startContainer(
                "b", port: bPort,
                command: "rm -f /tmp/sick; mkdir -p /tmp/w && echo container b > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:\(bPort) -h /tmp/w",
                options: ["--health-cmd", "test ! -f /tmp/sick", "--health-interval", "1s", "--health-retries", "1"])
            #expect(try await stack.startPicketThenNginx(expecting: [a, b]))

            /// The gauge's value for `address`, nil when the series does not exist.
            func gauge(_ address: String) async -> Double? {
                guard let text = try? await api.send(.GET, "/metrics").text else { return nil }
                let prefix = "picket_backend_in_rotation{app=\"web\",backend=\"\(address)\"} "
                return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
            }
            func settles(_ address: String, inFile: Bool, gauge expected: Double?) async -> Bool {
                await eventually(timeout: .seconds(10)) {
                    let value = await gauge(address)
                    return stack.nginx.output.contains("server \(address) ") == inFile && value == expected
                }
            }
            #expect(await settles(a.address, inFile: true, gauge: 1))

            #expect(try await api.send(.POST, "/v1/apps/web/backends/\(a.address)/drain", token: Self.token).status == 200)
            #expect(await settles(a.address, inFile: false, gauge: 0), "an operator's drain")
            #expect(try await api.send(.POST, "/v1/apps/web/backends/\(a.address)/undrain", token: Self.token).status == 200)
            #expect(await settles(a.address, inFile: true, gauge: 1), "an operator's undrain")

            try await stack.docker(["exec", b.name, "touch", "/tmp/sick"])
            #expect(await settles(b.address, inFile: false, gauge: 0), "Docker's HEALTHCHECK reports it unhealthy, then a recovery holds it")
            #expect(await eventually(timeout: .seconds(15)) { stack.picket.logContains("restart succeeded") })
            #expect(await settles(b.address, inFile: true, gauge: 1), "recovered")

            try await stack.docker(["rm", "-f", b.name])
            #expect(await settles(b.address, inFile: false, gauge: nil), "removed: the series goes away with it")
            #expect(await gauge(a.address) == 1)
        }
    }
}
