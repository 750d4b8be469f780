import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PicketCore
import PicketPassive
import Testing

/// nginx's access-log datagrams as the `picket_passive` format writes them, and hostile ones.
@Suite struct PassiveLineTests {
    let web = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8001"))
    let other = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "127.0.0.1:8002"))

    func datagram(_ fields: String) -> [UInt8] {
        Array("<190>Nov 30 10:00:00 picket: picket1\t\(fields)".utf8)
    }

    @Test func eachAttemptOfARequestCountsForItsOwnServer() throws {
        let line = try PassiveLine.parse(datagram(
            "1764496800.123\tweb\t127.0.0.1:8001, 127.0.0.1:8002 : 127.0.0.1:8001\t502, 200 : 504\t-, 0.001 : 0.002\t-, 0.004 : -\t0.000, 0.005 : 1.000\t504\t1.010"))
        #expect(line.upstream == "web")
        #expect(line.attempts.map(\.address) == ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8001"])
        #expect(line.attempts.map(\.attempt.status) == [502, 200, 504])
        #expect(line.attempts.map(\.attempt.connectFailed) == [true, false, false], "a connect time of - is a connection never made")
        #expect(line.attempts.map(\.responseTime) == [0.0, 0.005, 1.0])
        #expect(line.attempts[0].attempt.loggedAt == 1764496800.123)
    }

    @Test(arguments: [
        ("", PassiveLine.Problem.notPicketFormat),
        ("<190>Nov 30 10:00:00 nginx: 127.0.0.1 - - GET / 200", .notPicketFormat),
        ("<190>x: picket1\t1\tweb", .wrongFieldCount),
        ("<190>x: picket1\tsoon\tweb\t127.0.0.1:8001\t200\t0.001\t0.002\t0.003\t200\t0.003", .malformed),
        ("<190>x: picket1\t1.5\tweb\t127.0.0.1:8001, 127.0.0.1:8002\t200\t0.001\t0.002\t0.003\t200\t0.003", .malformed),
        ("<190>x: picket1\t1.5\tweb\t127.0.0.1:8001\t999\t0.001\t0.002\t0.003\t200\t0.003", .malformed),
        ("<190>x: picket1\t1.5\tweb\t127.0.0.1:8001\t200\t-1e400\t0.002\t0.003\t200\t0.003", .malformed),
        ("<190>x: picket1\t1.5\t\t127.0.0.1:8001\t200\t0.001\t0.002\t0.003\t200\t0.003", .malformed),
    ])
    func aDatagramThatIsNotOursIsRefusedByName(text: String, problem: PassiveLine.Problem) {
        #expect(throws: problem) { try PassiveLine.parse(Array(text.utf8)) }
    }

    @Test func mutatedDatagramsChangeNothingButTheDropCounters() {
        let ingest = PassiveIngest()
        ingest.route([web, other])
        let good = datagram("1764496800.123\tweb\t127.0.0.1:8001\t500\t0.001\t0.002\t0.003\t500\t0.003")
        var random = RandomSource(seed: 9)
        var sent = 0
        for _ in 0..<5_000 {
            var bytes = good
            for _ in 0...(random.next() % 6) where !bytes.isEmpty {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(UInt8(ascii: "\t"), at: index)
                default: bytes = Array(bytes.prefix(index))
                }
            }
            guard bytes != good else { continue }
            ingest.receive(bytes)
            sent += 1
        }
        let results = ingest.results
        #expect(results.values.reduce(0, +) == sent, "every datagram is counted once")
        let tallies = ingest.drain()
        #expect(tallies.keys.allSatisfy { $0 == web || $0 == other }, "nothing but configured backends is tallied")
        #expect((results[.notPicketFormat] ?? 0) + (results[.wrongFieldCount] ?? 0) + (results[.malformed] ?? 0) > 0)
    }

    /// As nginx 1.22 logged a client giving up after 0.5 s on a backend that takes 2 s to answer.
    @Test func anAttemptTheClientAbandonedIsNotTheServersFailure() throws {
        let abandoned = datagram("1796046104.302\tweb\t127.0.0.1:8001\t-\t0.000\t-\t0.499\t499\t0.499")
        let line = try PassiveLine.parse(abandoned)
        #expect(line.attempts.isEmpty && line.clientClosed)
        let retried = try PassiveLine.parse(datagram("1.0\tweb\t127.0.0.1:8001, 127.0.0.1:8002\t502, -\t0.001, 0.000\t0.002, -\t0.002, 0.300\t499\t0.302"))
        #expect(retried.attempts.map(\.address) == ["127.0.0.1:8001"], "the 502 before the retry still counts")
        #expect(retried.attempts.first?.attempt.status == 502)
        let ingest = PassiveIngest()
        ingest.route([web])
        for _ in 0..<10 { ingest.receive(abandoned) }
        #expect(ingest.results[.clientClosed] == 10)
        #expect(ingest.drain().isEmpty, "ten clients leaving eject nobody")
    }

    @Test func unknownAppsAndServersAreCountedAndIgnored() {
        let ingest = PassiveIngest()
        ingest.route([web])
        ingest.receive(datagram("1.0\tapi\t127.0.0.1:8001\t500\t0.001\t0.002\t0.003\t500\t0.003"))
        ingest.receive(datagram("1.0\tweb\t127.0.0.9:80\t500\t0.001\t0.002\t0.003\t500\t0.003"))
        ingest.receive(datagram("1.0\tweb\tweb\t502\t-\t-\t-\t502\t0.000"))
        #expect(ingest.results[.unknownBackend] == 3)
        #expect(ingest.drain().isEmpty)
        #expect(!ingest.takeSignal(), "nothing waits for the loop")
    }

    @Test func trafficSummarisesTheLastTenSeconds() throws {
        let ingest = PassiveIngest()
        ingest.route([web])
        for index in 0..<100 {
            let status = index % 10 == 0 ? 500 : 200
            let time = index < 50 ? "0.002" : "0.020"
            ingest.receive(datagram("1.0\tweb\t127.0.0.1:8001\t\(status)\t0.001\t\(time)\t\(time)\t\(status)\t\(time)"), second: 1_000 + index / 20)
        }
        let summary = try #require(ingest.traffic(web, second: 1_004))
        #expect(summary.requests == 100 && summary.requestsPerSecond == 10)
        #expect(summary.serverErrorRate == 0.1)
        #expect(abs((summary.p50Seconds ?? 0) - 0.002) / 0.002 < 0.2, "p50 within a bucket of 2 ms: \(String(describing: summary.p50Seconds))")
        #expect(abs((summary.p99Seconds ?? 0) - 0.020) / 0.020 < 0.2, "p99 within a bucket of 20 ms")
        #expect(ingest.traffic(web, second: 1_020) == nil, "older than ten seconds: gone")
    }

    @Test func aListenerOnAUnixDatagramSocketTakesDatagramsFromAnUnboundSenderAndSignalsOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picket-passive-\(UUID().uuidString.prefix(8))/p.sock").path
        let ingest = PassiveIngest()
        ingest.route([web])
        let signals = NIOLockedValueBox(0)
        let listener = try PassiveListener(.unix(path: path, mode: 0o660), ingest: ingest) {
            signals.withLockedValue { $0 += 1 }
        }
        defer { listener.stop() }
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o660, "the socket's mode says who may report traffic")
        let client = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(client) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        for _ in 0..<5 {
            let bytes = datagram("1.0\tweb\t127.0.0.1:8001\t500\t0.001\t0.002\t0.003\t500\t0.003")
            let sentBytes = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    bytes.withUnsafeBytes { sendto(client, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            #expect(sentBytes == bytes.count)
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(signals.withLockedValue { $0 } == 1, "one signal for the waiting batch, however many datagrams")
        let tallies = ingest.drain()
        #expect(tallies[web]?.requests == 5 && tallies[web]?.failures == 5)
    }
}
