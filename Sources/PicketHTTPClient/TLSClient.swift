import NIOCore
import NIOSSL

/// TLS for the client (swift-nio-ssl, BoringSSL): certificates are verified against the system's
/// trust store or a given CA bundle, and the name the server proves is the one dialled: its host name
/// (also sent as SNI), or for an IP address, the address.
public struct TLSClient: Sendable {
    let context: NIOSSLContext

    /// `caFile`: a PEM bundle of the CAs to trust instead of the system's.
    public init(caFile: String? = nil) throws(HTTPTransportError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if let caFile { configuration.trustRoots = .file(caFile) }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .unreachable(endpoint: "", reason: "cannot set up TLS\(caFile.map { " with \($0)" } ?? ""): \(error)")
        }
    }

    /// The handler that speaks TLS first on a connection to `host`.
    func handler(for host: String) throws -> NIOSSLClientHandler {
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
    }

    /// A TLS failure in an operator's words.
    static func reason(_ error: Error) -> String? {
        switch error {
        case let error as NIOSSLError: return "TLS: \(error)"
        case let error as BoringSSLError: return "TLS: \(error)"
        case let error as NIOSSLExtraError: return "TLS: \(error)"
        default: return nil
        }
    }
}
