import Foundation
import NIOCore
import NIOPosix
import PicketTestSupport
import Testing

/// A neighbour (or a lack of descriptors) must never make Picket eject healthy backends: the real
/// binary under an open-file limit, a real nginx, real backends.
@Suite(.serialized) struct DescriptorExhaustionTests {
    @Test func idleConnectionsToTheStatusPortCannotBlindTheHealthChecks() async throws {
        try raiseOwnOpenFileLimit(to: 4096)
        let deployment = try await Deployment(
            backends: 10, behaviour: .answer(status: 200, body: "ok\n"), check: "{interval: 1s, timeout: 1s, failure_threshold: 2}",
            openFiles: (1024, 1024))
        let picket = deployment.picket
        #expect(try await deployment.startNginx())
        #expect(await eventually(timeout: .seconds(10)) { picket.logContains("first round of checks complete: 10 of 10") }, "\(picket.log)")
        let before = deployment.nginx.output

        let attackers = openIdleConnections(1100, port: deployment.api.port)
        #expect(attackers.count == 1100)
        try await Task.sleep(for: .seconds(3))
        let healthz = try? await deployment.api.send(.GET, "/healthz")
        #expect(healthz?.status == 200, "/healthz answers during the attack")
        let apps = try? await deployment.api.json(.GET, "/v1/apps")
        #expect((apps?.object["apps"] as? [[String: Any]])?.first?["in_rotation"] as? Int == 10)
        let held = picket.openDescriptors
        #expect(held < 200, "the status server holds at most its cap of 120 connections: \(held) descriptors open")
        let closed = attackers.filter(closedByPeer).count
        #expect(closed > 128, "the oldest idle connections were closed to make room (the rest wait in the kernel's backlog): \(closed) of 1100")
        #expect(deployment.nginx.output == before, "no backend left the upstream file")
        #expect(!picket.logContains("leaves rotation") && !picket.logContains("descriptors_exhausted") && picket.isRunning, "\(picket.log)")
        print("descriptor attack: 1100 idle connections under a 1024 limit; Picket held \(held) descriptors, closed \(closed) idle connections")
        for fd in attackers { close(fd) }
        await deployment.shutdown()
    }

    @Test func aLimitTooSmallForTheConfiguredConcurrencyThrottlesProbesInsteadOfFailingThem() async throws {
        let deployment = try await Deployment(
            backends: 60, behaviour: .delay(.milliseconds(400), status: 200, body: "ok\n"),
            check: "{interval: 2s, timeout: 2s, failure_threshold: 3, jitter: 0}", openFiles: (32, 96))
        let picket = deployment.picket
        #expect(await eventually(timeout: .seconds(10)) { picket.logContains("open-file limit is 96 (hard limit)") }, "the soft limit was raised: \(picket.log)")
        #expect(try await deployment.startNginx())
        #expect(picket.logContains("probes.max_concurrent is 512 but the open-file limit 96 leaves room for 28 probes at once"), "\(picket.log)")
        #expect(await eventually(timeout: .seconds(20)) { picket.logContains("first round of checks complete: 60 of 60") }, "\(picket.log)")
        try await Task.sleep(for: .seconds(3))
        #expect((try? await deployment.api.send(.GET, "/readyz"))?.status == 200)
        #expect(picket.openDescriptors < 96)
        #expect(!picket.logContains("could not be made on Picket's side") && !picket.logContains("→ down") && picket.isRunning, "\(picket.log)")
        await deployment.shutdown()
    }

    @Test func aProbeThatCannotGetADescriptorIsReportedAsLocalNeverAsTheBackendsFailure() async throws {
        var backends: [ScriptedBackend] = []
        for _ in 0..<30 { backends.append(try await ScriptedBackend(name: "x", port: 0, group: MultiThreadedEventLoopGroup.singleton)) }
        let directory = try temporaryDirectory("picket-check")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = "\(directory)/picket.yaml"
        try "nginx: {output: \(directory)/u.conf}\napps:\n  - name: web\n    instances: [\(backends.map(\.address).joined(separator: ", "))]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let check = try ChildProcess.picket(["check", "--config", config], logPath: "\(directory)/check.log", openFiles: (20, 20))
        let status = await check.wait(timeout: .seconds(20))
        let rows = check.log.split(separator: "\n").filter { $0.hasPrefix("web ") }
        #expect(status == 1, "some backends could not be checked, so not all pass: \(check.log)")
        #expect(rows.count == 30 && rows.contains { $0.contains(" LOCAL ") && $0.contains("descriptors_exhausted") }, "\(check.log)")
        #expect(!rows.contains { $0.contains(" FAIL ") }, "no backend is blamed for Picket's missing descriptors: \(check.log)")
        #expect(check.log.contains("could not be checked (a fault on this side)"))
        for backend in backends { try? await backend.stop() }
    }

    /// Non-blocking connects to 127.0.0.1:`port` that never send a byte; their descriptors.
    private func openIdleConnections(_ count: Int, port: Int) -> [Int32] {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var opened: [Int32] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { break }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            opened.append(fd)
        }
        return opened
    }

    /// Whether the server has closed this connection (a read sees end of file or a reset).
    private func closedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = read(fd, &byte, 1)
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// The test process opens the attacking connections itself, so its own soft limit must allow them.
    private func raiseOwnOpenFileLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_cur >= 1500, "the attack needs 1,500 descriptors in the test process; its hard limit is \(limit.rlim_max)")
    }
}
