import Foundation
import Logging
import NIOPosix
import PicketCore
import PicketFleet
import PicketStore
import PicketTestSupport
import Testing

/// The fleet's store, leases and shared operator actions on a real PostgreSQL started by the test.
@Suite(.serialized, .enabled(if: PostgresServer.available, "no PostgreSQL (CI fails instead of skipping)"))
struct FleetDatabaseTests {
    static let logger = Logger(label: "fleet-test")

    func node(_ name: String, _ server: PostgresServer, sslMode: String = "disable", timeout: Duration = .seconds(5)) throws -> FleetDatabase {
        let url = try DatabaseURL(validating: server.url(sslMode: sslMode))
        let connection = try FleetConnection(url: url, passwordFile: nil, environment: [:], timeout: timeout)
        return FleetDatabase(node: name, connection: connection, group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger) { _ in }
    }

    func withServer(tls: Bool = false, _ body: (PostgresServer) async throws -> Void) async throws {
        try await using(try await PostgresServer(tls: tls), body) { await $0.destroy() }
    }

    @Test func migrationsRunOnceAndEachNodeRemembersItsOwnVerdictsWhileEveryViewIsShown() async throws {
        try await withServer { server in
            let a = try node("a", server), b = try node("b", server)
            #expect(try await a.prepare() == [1, 2])
            #expect(try await b.prepare() == [], "the second node finds the schema in place")
            let now = Date().timeIntervalSince1970
            let writerA = FleetWriter(database: a, retention: .seconds(3600)), writerB = FleetWriter(database: b, retention: .seconds(3600))
            writerA.save(StoredBackend(
                app: "web", address: "127.0.0.1:8001", phase: "out", circuitOpen: true, consecutiveFailures: 3, flaps: 1, operatorDrained: true,
                restarts: [now - 5], quarantineReason: nil, updatedAt: now, inRotation: false, container: "c8001"))
            writerB.save(StoredBackend(
                app: "web", address: "127.0.0.1:8001", phase: "up", circuitOpen: false, consecutiveFailures: 0, flaps: 0, operatorDrained: false,
                restarts: [], quarantineReason: nil, updatedAt: now, inRotation: true))
            for latency in 1...19 {
                writerA.add(check: writerA.check(at: now - 30, app: "web", address: "127.0.0.1:8001", passed: true, failureClass: nil, latencyMs: Double(latency), status: 200))
            }
            writerA.add(check: writerA.check(at: now - 10, app: "web", address: "127.0.0.1:8001", passed: false, failureClass: .refused, latencyMs: nil, status: nil))
            writerB.add(check: writerB.check(at: now - 10, app: "web", address: "127.0.0.1:8001", passed: false, failureClass: .timeout, latencyMs: 500, status: nil))
            writerA.add(event: EventRow(at: now, app: "web", address: "127.0.0.1:8001", kind: "recovery", detail: "restart succeeded"))
            await writerA.stop()
            await writerB.stop()
            #expect(writerA.currentHealth == StoreWriter.Health(ok: true, failure: nil, dropped: 0, written: 22))

            let remembered = try await FleetStore(database: a).remembered()
            #expect(remembered.map(\.phase) == ["out"] && remembered.first?.operatorDrained == true && remembered.first?.restarts == [now - 5])
            let report = try await FleetStore(database: a).report(app: "web", since: now - 60, until: now)
            #expect(report.totalChecks == 20 && report.failedChecks == 1 && report.errors == ["refused": 1], "this node's checks only")
            #expect(report.averageResponseMs == 10 && report.p95ResponseMs == 19)

            let peers = try await FleetStore(database: b).peerRecovery()
            #expect(peers.map { "\($0.address) \($0.container ?? "-") \($0.restarts)" } == ["127.0.0.1:8001 c8001 [\(now - 5)]"],
                "b reads what a spent, with the container it is about")
            #expect(try await FleetStore(database: a).peerRecovery().isEmpty, "b spent nothing")

            let view = try await FleetStore(database: b).views()
            #expect(view.nodes.map(\.name) == ["a", "b"])
            let backend = try #require(view.backends.first)
            #expect(backend.views.map { "\($0.node) \($0.phase) \($0.inRotation)" } == ["a out false", "b up true"])
            #expect(backend.lastAction?.node == "a" && backend.lastAction?.detail == "restart succeeded")
            await a.close()
            await b.close()
        }
    }

    @Test func oneNodeHoldsAnEngineLeaseAndAnotherTakesItWithAHigherTokenOnlyOnceItExpires() async throws {
        try await withServer { server in
            let a = try node("a", server), b = try node("b", server)
            _ = try await a.prepare()
            let leaseA = EngineLease(database: a, scope: "docker-engine:test", ttl: .seconds(3))
            let leaseB = EngineLease(database: b, scope: "docker-engine:test", ttl: .seconds(3))
            let first = try #require(await leaseA.acquire())
            #expect(await leaseB.acquire() == nil, "held and unexpired")
            #expect(await leaseA.acquire() == first, "renewal keeps the token")
            try await Task.sleep(for: .seconds(3.5))
            let taken = try #require(await leaseB.acquire(), "expired by the server's clock")
            #expect(taken.token == first.token + 1, "taking a lease over raises the fencing token")
            #expect(await leaseA.acquire() == nil)
            await a.close()
            await b.close()
        }
    }

    @Test func anOperatorActionReachesTheOtherNodesAtOnceAndALateNodeCatchesUp() async throws {
        try await withServer { server in
            let a = try node("a", server), b = try node("b", server), c = try node("c", server)
            _ = try await a.prepare()
            let heard = AsyncStream.makeStream(of: FleetActions.Action.self)
            let follower = Task { await FleetActions(database: b, pollInterval: .seconds(30)).follow { heard.continuation.yield($0) } }
            try await Task.sleep(for: .milliseconds(500))
            let actions = FleetActions(database: a)
            let sent = ContinuousClock.now
            #expect(await actions.publish("drain", app: "web", address: "127.0.0.1:8001"))
            var iterator = heard.stream.makeAsyncIterator()
            let action = await iterator.next()
            print("fleet: a drain published by one node was heard by another after \(ContinuousClock.now - sent) (LISTEN/NOTIFY, polls every 30 s)")
            #expect(action?.node == "a" && action?.action == "drain" && action?.address == "127.0.0.1:8001")
            follower.cancel()
            #expect(await actions.publish("undrain", app: "web", address: "127.0.0.1:8001"))
            let late = AsyncStream.makeStream(of: FleetActions.Action.self)
            let catching = Task { await FleetActions(database: c).follow { late.continuation.yield($0) } }
            var lateIterator = late.stream.makeAsyncIterator()
            let first = await lateIterator.next(), second = await lateIterator.next()
            #expect([first?.action, second?.action] == ["drain", "undrain"], "a node that joins later takes in every action in order")
            catching.cancel()
            for database in [a, b, c] { await database.close() }
        }
    }

    @Test func sslmodeRequireEncryptsVerifyFullRefusesAnUntrustedCertificateAndRequireRefusesPlainText() async throws {
        try await withServer(tls: true) { server in
            let encrypted = try node("a", server, sslMode: "require")
            #expect(try await encrypted.prepare() == [1, 2])
            let ssl = try await server.sql("""
                SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'picket' AND a.application_name <> 'psql'
                """)
            #expect(ssl == "t", "the node's connection is encrypted")
            let verified = try node("b", server, sslMode: "verify-full")
            await #expect(throws: (any Error).self, "a self-signed certificate no system CA trusts") { try await verified.prepare() }
            print("fleet: sslmode=verify-full against a self-signed server: \(verified.health.currentFailure ?? "")")
            await encrypted.close()
            await verified.close()
        }
        try await withServer { server in
            let required = try node("a", server, sslMode: "require")
            await #expect(throws: (any Error).self, "the server does not speak TLS") { try await required.prepare() }
            print("fleet: sslmode=require against a plain-text server: \(required.health.currentFailure ?? "")")
            await required.close()
        }
    }

    @Test func aDatabaseThatNeverAnswersFailsWithinTheTimeoutAndConfirmsNoLease() async throws {
        do {
            // A socket that listens but never accepts: the handshake completes, nobody ever speaks.
            let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(silent) }
            let port = freePort()
            #expect(withLoopback(port) { bind(silent, $0, $1) } == 0)
            #expect(listen(silent, 8) == 0)
            let url = try DatabaseURL(validating: "postgres://picket@127.0.0.1:\(port)/postgres?sslmode=disable")
            let connection = try FleetConnection(url: url, passwordFile: nil, environment: [:], timeout: .seconds(1))
            let database = FleetDatabase(node: "a", connection: connection, group: MultiThreadedEventLoopGroup.singleton, logger: Self.logger) { _ in }
            let started = ContinuousClock.now
            await #expect(throws: (any Error).self) { try await database.prepare() }
            #expect(ContinuousClock.now - started < .seconds(3), "bounded by the timeout, never a hang")
            #expect(database.health.currentFailure != nil)
            let lease = EngineLease(database: database, scope: "docker-engine:test", ttl: .seconds(3))
            #expect(await lease.acquire() == nil)
            #expect(await lease.confirm() != nil, "no lease without a database that confirms it")
            await database.close()
        }
    }
}
