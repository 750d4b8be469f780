import NIOCore
import NIOSSL

/// TLS for the client (swift-nio-ssl, BoringSSL): certificates are verified against the system's
/// trust store or a given CA bundle, and the name the server proves is the one dialled: its host name
/// (also sent as SNI), or for an IP address, the address.
public struct TLSClient: Sendable {
    let context: NIOSSLContext

    /// `caFile`: a PEM bundle of the CAs to trust instead of the system's. `clientCertificate` and
    /// `clientKey` (PEM files, both or neither): the certificate a server that verifies clients wants,
    /// as a Docker engine started with `--tlsverify` does.
    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) throws(HTTPTransportError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if let caFile { configuration.trustRoots = .file(caFile) }
        do {
            if let clientCertificate, let clientKey {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
            }
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            let files = [caFile, clientCertificate, clientKey].compactMap { $0 }
            throw .unreachable(endpoint: "", reason: "cannot set up TLS\(files.isEmpty ? "" : " with \(files.joined(separator: ", "))"): \(error)")
        }
    }

    /// The handler that speaks TLS first on a connection to `host`.
    func handler(for host: String) throws -> NIOSSLClientHandler {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }

    /// A TLS failure in an operator's words, with BoringSSL's own text after the gist.
    static func reason(_ error: Error) -> String? {
        let text: String
        switch error {
        case let error as NIOSSLError: text = "\(error)"
        case let error as BoringSSLError: text = "\(error)"
        case let error as NIOSSLExtraError: text = "\(error)"
        default: return nil
        }
        let gists = [
            ("ALERT_BAD_CERTIFICATE", "the server refused Picket's client certificate"),
            ("ALERT_UNKNOWN_CA", "the server does not trust the CA of Picket's client certificate"),
            ("ALERT_CERTIFICATE_REQUIRED", "the server requires a client certificate"),
            ("HANDSHAKE_FAILURE_ON_CLIENT_HELLO", "the server refused the handshake"),
            ("CERTIFICATE_VERIFY_FAILED", "the server's certificate did not verify"),
        ]
        guard let gist = gists.first(where: { text.contains($0.0) })?.1 else { return "TLS: \(text)" }
        return "TLS: \(gist) (\(text))"
    }
}
