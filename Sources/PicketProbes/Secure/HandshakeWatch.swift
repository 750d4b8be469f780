import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS
import PicketCore

/// Sits right behind the `NIOSSLClientHandler` and notes what the handshake showed: when it
/// completed, the certificate the server presented (also when verification refused it, which is what
/// tells an expired certificate from an unknown CA), and the error that ended it.
final class HandshakeWatch: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    /// Read from other threads once the check is over.
    struct Record: Sendable {
        var connected = false
        var handshakeDone = false
        var certificate: CertificateDates?
        /// The TLS failure that ended the handshake, classified when it happened.
        var failure: (TLSFailure, String)?
    }

    let record: NIOLockedValueBox<Record>

    init(record: NIOLockedValueBox<Record>) {
        self.record = record
    }

    func channelActive(context: ChannelHandlerContext) {
        record.withLockedValue { $0.connected = true }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let certificate = peerCertificate(context)
            record.withLockedValue {
                $0.handshakeDone = true
                $0.certificate = certificate
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let certificate = peerCertificate(context)
        let now = Int64(Date().timeIntervalSince1970)
        record.withLockedValue { record in
            if record.certificate == nil { record.certificate = certificate }
            guard !record.handshakeDone, record.failure == nil else { return }
            record.failure = TLSFailureClassifier.classify(error, certificate: record.certificate, now: now)
        }
        context.fireErrorCaught(error)
    }

    private func peerCertificate(_ context: ChannelHandlerContext) -> CertificateDates? {
        guard let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self) else { return nil }
        return handler.peerCertificate.map(CertificateDates.init)
    }
}
