import NIOConcurrencyHelpers
import NIOSSL
import PicketCore

/// One `NIOSSLContext` per distinct TLS setting, made on first use and kept: a context reads its CA
/// bundle and client key from disk and builds a certificate store, which costs far more than a check.
/// A reloaded config with other files or names gets new contexts; the same paths keep the old ones.
final class TLSContexts: Sendable {
    private let contexts = NIOLockedValueBox<[TLSSpec: NIOSSLContext]>([:])

    func context(for tls: TLSSpec) throws -> NIOSSLContext {
        if let context = contexts.withLockedValue({ $0[tls] }) { return context }
        let context = try NIOSSLContext(configuration: Self.configuration(tls))
        contexts.withLockedValue { $0[tls] = context }
        return context
    }

    static func configuration(_ tls: TLSSpec) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = tls.verify ? .fullVerification : .none
        if let ca = tls.caFile { configuration.trustRoots = .file(ca) }
        if let certificate = tls.clientCertificate, let key = tls.clientKey {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        return configuration
    }

    /// The name sent as SNI and verified: `server_name`, else the instance's host name. An IP address is
    /// never sent as SNI; the certificate is then checked against the address.
    static func serverName(_ tls: TLSSpec, target: ServerAddress) -> String? {
        if let name = tls.serverName { return name }
        if case .network(.name(let name), _) = target.kind { return name }
        return nil
    }
}
