import NIOSSL
import PicketCore

/// Tells TLS handshake failures apart, as blackbox exporters do: each calls for a different fix.
///
/// BoringSSL reports a failed chain check only as `CERTIFICATE_VERIFY_FAILED` (its verify code stays
/// inside the handshake), so the certificate the server presented decides between expired, not yet
/// valid and an unknown CA: a chain that is in date but failed must lack a trusted issuer. A name
/// mismatch is swift-nio-ssl's own check, after BoringSSL's.
enum TLSFailureClassifier {
    /// The TLS failure behind `error`, or nil when `error` did not come from TLS.
    static func classify(_ error: Error, certificate: CertificateDates?, now: Int64) -> (TLSFailure, String)? {
        if let extra = error as? NIOSSLExtraError {
            if extra == .failedToValidateHostname { return (.nameMismatch, "certificate does not name the server (\(extra))") }
            return (.protocolError, "\(extra)")
        }
        guard let ssl = error as? NIOSSLError else { return nil }
        guard case .handshakeFailed(let boring) = ssl, "\(boring)".contains("CERTIFICATE_VERIFY_FAILED") else {
            return (.protocolError, "\(ssl)")
        }
        guard let certificate else { return (.unknownCA, "certificate chain not trusted") }
        if certificate.notAfter < now {
            return (.expired, "certificate expired \(CertificateDates.days(now - certificate.notAfter)) ago")
        }
        if certificate.notBefore > now {
            return (.notYetValid, "certificate valid only in \(CertificateDates.days(certificate.notBefore - now))")
        }
        return (.unknownCA, "certificate not signed by a trusted CA")
    }
}

/// The validity window of the certificate a backend presented, in seconds since 1970.
struct CertificateDates: Sendable, Equatable {
    let notBefore: Int64
    let notAfter: Int64

    init(notBefore: Int64, notAfter: Int64) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    init(_ certificate: NIOSSLCertificate) {
        self.init(notBefore: Int64(certificate.notValidBefore), notAfter: Int64(certificate.notValidAfter))
    }

    /// `3 days`, `1 day`, `less than a day`.
    static func days(_ seconds: Int64) -> String {
        let days = seconds / 86_400
        return days == 0 ? "less than a day" : "\(days) day\(days == 1 ? "" : "s")"
    }
}
