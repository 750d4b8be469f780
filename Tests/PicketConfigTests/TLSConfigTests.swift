import Foundation
import PicketConfig
import PicketCore
import Testing

/// `health_check.type: https | grpc` and `health_check.tls`: what they read into, and the config errors
/// `picket validate` reports at their line and column.
@Suite struct TLSConfigTests {
    /// A directory with a CA bundle, a client certificate and key (PEM blocks, not real keys: the loader
    /// only checks that they can be read and what they hold), and a key it may not read.
    struct Files {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-tlsconf-\(UUID().uuidString.prefix(8))").path

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            try certificate.write(toFile: "\(directory)/ca.pem", atomically: true, encoding: .utf8)
            try certificate.write(toFile: "\(directory)/client.pem", atomically: true, encoding: .utf8)
            try "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n".write(toFile: "\(directory)/client-key.pem", atomically: true, encoding: .utf8)
            try "not a key".write(toFile: "\(directory)/garbage.pem", atomically: true, encoding: .utf8)
        }

        func parse(_ healthCheck: String) throws(ConfigError) -> PicketConfiguration {
            try ConfigLoader.parse("""
                nginx: {output: /tmp/u.conf}
                apps:
                  - name: web
                    instances: [127.0.0.1:8443]
                    health_check:
                \(healthCheck.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
                """, file: "picket.yaml", baseDirectory: directory)
        }

        func problems(_ healthCheck: String) -> [String] {
            do {
                _ = try parse(healthCheck)
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func httpsVerifiesByDefaultAndTakesFilesRelativeToTheConfig() throws {
        let files = try Files()
        defer { files.remove() }
        let plain = try files.parse("type: https\npath: /health")
        #expect(plain.apps[0].healthCheck.type == .https)
        #expect(plain.apps[0].healthCheck.tls == TLSSpec())
        let full = try files.parse("""
            type: https
            tls: {verify: true, ca_file: ca.pem, server_name: api.internal, client_cert: client.pem, client_key: client-key.pem, expiry_warning_days: 30}
            """)
        #expect(full.apps[0].healthCheck.tls == TLSSpec(
            caFile: "\(files.directory)/ca.pem", serverName: "api.internal", clientCertificate: "\(files.directory)/client.pem",
            clientKey: "\(files.directory)/client-key.pem", expiryWarningDays: 30))
    }

    @Test func grpcTakesAServiceMetadataAndOptionalTLS() throws {
        let files = try Files()
        defer { files.remove() }
        let plaintext = try files.parse("type: grpc\ngrpc_service: api.v1.Orders\nheaders: {x-token: abc}")
        #expect(plaintext.apps[0].healthCheck.kind == .grpc(GRPCCheck(service: "api.v1.Orders", metadata: [HeaderField(name: "x-token", value: "abc")])))
        #expect(plaintext.apps[0].healthCheck.tls == nil)
        let secure = try files.parse("type: grpc\ntls: {verify: false}")
        #expect(secure.apps[0].healthCheck.tls == TLSSpec(verify: false))
        let tcp = try files.parse("type: tcp\ntls: {ca_file: ca.pem}")
        #expect(tcp.apps[0].healthCheck.type == .tcp && tcp.apps[0].healthCheck.tls?.caFile == "\(files.directory)/ca.pem")
    }

    @Test func keysFromDefaultsThatDoNotApplyToAnAppsTypeAreLeftOutForThatApp() throws {
        let config = try ConfigLoader.parse("""
            nginx: {output: /tmp/u.conf}
            defaults:
              health_check: {path: /healthz, tls: {verify: false}}
            apps:
              - {name: web, instances: [127.0.0.1:8001]}
              - {name: orders, instances: [127.0.0.1:50051], health_check: {type: grpc}}
            """, file: "picket.yaml", baseDirectory: "/etc/picket")
        #expect(config.apps[0].healthCheck.kind == .http(HTTPCheck(path: "/healthz")) && config.apps[0].healthCheck.tls == nil)
        #expect(config.apps[1].healthCheck.kind == .grpc(GRPCCheck()) && config.apps[1].healthCheck.tls == TLSSpec(verify: false))
    }

    @Test func badTLSValuesAreConfigErrorsAtTheirLine() throws {
        let files = try Files()
        defer { files.remove() }
        #expect(files.problems("tls: {verify: false}") == ["picket.yaml:6:12: apps[0].health_check.tls: only applies to type: https, tcp, grpc"])
        #expect(files.problems("grpc_service: api") == ["picket.yaml:6:21: apps[0].health_check.grpc_service: only applies to type: grpc"])
        #expect(files.problems("type: grpc\npath: /x") == ["picket.yaml:7:13: apps[0].health_check.path: only applies to type: http, https"])
        let missing = files.problems("type: https\ntls:\n  ca_file: missing.pem")
        #expect(missing == ["picket.yaml:8:18: apps[0].health_check.tls.ca_file: \(files.directory)/missing.pem: cannot be read (No such file or directory)"])
        let garbage = files.problems("type: https\ntls: {client_cert: client.pem, client_key: garbage.pem}")
        #expect(garbage == ["picket.yaml:7:50: apps[0].health_check.tls.client_key: \(files.directory)/garbage.pem: holds no PEM private key block"])
        let lonely = files.problems("type: https\ntls: {client_cert: client.pem}")
        #expect(lonely.count == 1 && lonely[0].contains("client_cert and client_key go together"), "\(lonely)")
        let address = files.problems("type: https\ntls: {server_name: 10.0.0.1}")
        #expect(address.count == 1 && address[0].contains("must be a host name"), "\(address)")
        let type = files.problems("type: udp")
        #expect(type.count == 1 && type[0].contains("expected one of grpc, http, https, tcp"), "\(type)")
    }

    @Test func aKeyThatIsNotAFileIsAConfigError() throws {
        let files = try Files()
        defer { files.remove() }
        let found = files.problems("type: https\ntls: {client_cert: client.pem, client_key: /tmp}")
        #expect(found == ["picket.yaml:7:50: apps[0].health_check.tls.client_key: /tmp: is not a regular file"], "\(found)")
    }
}
