import Foundation
import PicketNginx

/// A test CA and the certificates the TLS tests need, made with the `openssl` CLI in a temporary
/// directory: a valid server certificate (for `localhost` and 127.0.0.1), an expired one, one not yet
/// valid, one for another name, a self-signed one (an unknown CA) and a client certificate.
public struct TLSCertificates: Sendable {
    public enum Leaf: String, CaseIterable, Sendable {
        case valid, expired, notYetValid, wrongName, selfSigned, client
    }

    public let directory: String
    public var caFile: String { "\(directory)/ca.pem" }

    public func certificate(_ leaf: Leaf) -> String { "\(directory)/\(leaf.rawValue).pem" }
    public func key(_ leaf: Leaf) -> String { "\(directory)/\(leaf.rawValue)-key.pem" }

    public static func make() async throws -> TLSCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: "\(directory)/issued", withIntermediateDirectories: true)
        let certificates = TLSCertificates(directory: directory)
        try await certificates.makeAll()
        return certificates
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeAll() async throws {
        let d = directory
        try "".write(toFile: "\(d)/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: "\(d)/serial", atomically: true, encoding: .utf8)
        try """
            [ca]
            default_ca = test
            [test]
            database = \(d)/index.txt
            new_certs_dir = \(d)/issued
            serial = \(d)/serial
            default_md = sha256
            policy = anything
            unique_subject = no
            [anything]
            commonName = supplied
            """.write(toFile: "\(d)/ca.cnf", atomically: true, encoding: .utf8)
        let names = "subjectAltName=DNS:localhost,IP:127.0.0.1"
        try await openssl(["req", "-x509"] + newKey("ca") + [
            "-out", caFile, "-days", "30", "-subj", "/CN=Picket Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await sign(.valid, names: names)
        try await sign(.wrongName, names: "subjectAltName=DNS:other.example")
        try await sign(.client, names: "extendedKeyUsage=clientAuth")
        try await sign(.expired, names: names, dates: ("20200101000000Z", "20200201000000Z"))
        try await sign(.notYetValid, names: names, dates: ("20400101000000Z", "20400201000000Z"))
        try await openssl(["req", "-x509"] + newKey(Leaf.selfSigned.rawValue) + [
            "-out", certificate(.selfSigned), "-days", "30", "-subj", "/CN=localhost", "-addext", names,
        ])
    }

    private func newKey(_ name: String) -> [String] {
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(directory)/\(name)-key.pem"]
    }

    private func sign(_ leaf: Leaf, names: String, dates: (String, String)? = nil) async throws {
        let csr = "\(directory)/\(leaf.rawValue).csr", extensions = "\(directory)/\(leaf.rawValue).ext"
        try names.write(toFile: extensions, atomically: true, encoding: .utf8)
        try await openssl(["req"] + newKey(leaf.rawValue) + ["-out", csr, "-subj", "/CN=\(leaf == .client ? "picket" : "localhost")"])
        let (start, end) = dates ?? ("", "")
        let validity = dates == nil ? ["-days", "30"] : ["-startdate", start, "-enddate", end]
        try await openssl(["ca", "-batch", "-notext", "-config", "\(directory)/ca.cnf", "-cert", caFile, "-keyfile", "\(directory)/ca-key.pem",
            "-in", csr, "-out", certificate(leaf), "-extfile", extensions] + validity)
    }

    private func openssl(_ arguments: [String]) async throws {
        let result = await CommandRunner.run(["openssl"] + arguments, timeout: .seconds(20))
        guard result.succeeded else { throw NginxPrefix.NginxFailed(argv: ["openssl"] + arguments, output: result.summary) }
    }
}

/// A real nginx serving TLS on loopback: one port per certificate of `TLSCertificates`, one that
/// requires a client certificate signed by the test CA, and one speaking plain HTTP. Every port answers
/// `GET /health` with 200 `ok`.
public final class TLSNginx: Sendable {
    public enum Site: Hashable, Sendable {
        case serving(TLSCertificates.Leaf)
        case requiringClientCertificate
        case plainHTTP
    }

    private let nginx: NginxPrefix
    public let ports: [Site: Int]

    public init(certificates: TLSCertificates) async throws {
        nginx = try NginxPrefix(port: freePort())
        var ports: [Site: Int] = [:]
        var servers = ""
        let served: [TLSCertificates.Leaf] = [.valid, .expired, .notYetValid, .wrongName, .selfSigned]
        for site in served.map(Site.serving) + [.requiringClientCertificate, .plainHTTP] {
            let port = freePort()
            ports[site] = port
            var lines = ["listen 127.0.0.1:\(port)\(site == .plainHTTP ? "" : " ssl");"]
            switch site {
            case .serving(let leaf):
                lines += ["ssl_certificate \(certificates.certificate(leaf));", "ssl_certificate_key \(certificates.key(leaf));"]
            case .requiringClientCertificate:
                lines += ["ssl_certificate \(certificates.certificate(.valid));", "ssl_certificate_key \(certificates.key(.valid));",
                    "ssl_client_certificate \(certificates.caFile);", "ssl_verify_client on;"]
            case .plainHTTP:
                break
            }
            servers += "    server {\n" + lines.map { "        \($0)\n" }.joined() + "        location / { return 200 \"ok\\n\"; }\n    }\n"
        }
        self.ports = ports
        try nginx.writeConfig(http: servers)
        try await nginx.start()
    }

    public func address(_ site: Site) -> String { "127.0.0.1:\(ports[site]!)" }

    public func stop() async {
        await nginx.stop()
    }
}
