import PicketCore
import Testing

@Suite struct ProbeSubjectTests {
    private let backend = BackendID(app: try! AppName(validating: "web"), address: try! ServerAddress(validating: "10.0.0.7:8080"))

    private func subject(_ kind: HealthCheckSpec.Kind, target: String = "10.0.0.7:9000") -> ProbeSubject {
        ProbeSubject(backend: backend, target: try! ServerAddress(validating: target), sharedCheck: Shared(HealthCheckSpec(kind: kind)))
    }

    @Test func anHTTPChecksRequestNamesTheTargetItConnectsToAsHost() {
        let bytes = subject(.http(HTTPCheck(method: "HEAD", path: "/healthz"))).requestBytes
        #expect(String(decoding: bytes, as: UTF8.self) == "HEAD /healthz HTTP/1.1\r\nHost: 10.0.0.7:9000\r\nUser-Agent: picket\r\n\r\n")
    }

    @Test func theChecksOwnHeadersReplaceHostAndUserAgentAndABodyGetsItsLength() {
        let check = HTTPCheck(method: "POST", path: "/", headers: [HeaderField(name: "host", value: "app.internal"), HeaderField(name: "Content-Length", value: "99")], body: "ping")
        let text = String(decoding: subject(.http(check)).requestBytes, as: UTF8.self)
        #expect(text == "POST / HTTP/1.1\r\nUser-Agent: picket\r\nhost: app.internal\r\nContent-Length: 4\r\n\r\nping")
    }

    @Test func aUnixSocketTargetIsAskedForLocalhost() {
        let text = String(decoding: subject(.http(HTTPCheck()), target: "unix:/run/app.sock").requestBytes, as: UTF8.self)
        #expect(text.contains("\r\nHost: localhost\r\n"))
    }

    @Test func aTCPCheckSendsItsProbeDataAndNothingWithoutIt() {
        #expect(subject(.tcp(TCPCheck(probeData: "PING\r\n"))).requestBytes == Array("PING\r\n".utf8))
        #expect(subject(.tcp(TCPCheck())).requestBytes.isEmpty)
    }
}
