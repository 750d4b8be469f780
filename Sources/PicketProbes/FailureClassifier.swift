import NIOCore
import NIOPosix
import PicketCore

/// Maps the errors a connection can end with to a verdict: a failure class of the backend, or a fault
/// on Picket's own side (no descriptor, no local port, no buffer) that says nothing about the backend.
enum FailureClassifier {
    static func outcome(_ error: Error, latency: Duration) -> ProbeOutcome {
        if let (fault, message) = localFault(error) {
            return .inconclusive(fault, ProbeEvidence(latency: latency, message: message))
        }
        let (failureClass, message) = classify(error)
        return .failed(failureClass, ProbeEvidence(latency: latency, message: message))
    }

    /// The local fault behind `error`, if it is one.
    static func localFault(_ error: Error) -> (LocalFault, String)? {
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.lazy.compactMap { localFault($0.error) }.first
        }
        guard let io = error as? IOError else { return nil }
        switch io.errnoCode {
        case EMFILE, ENFILE: return (.descriptorsExhausted, "no file descriptor left on Picket's side (\(io.description))")
        case EADDRNOTAVAIL: return (.noLocalPort, "no local port left on Picket's side (\(io.description))")
        case ENOBUFS, ENOMEM: return (.noBufferSpace, "no socket buffer left on Picket's side (\(io.description))")
        default: return nil
        }
    }

    static func classify(_ error: Error) -> (FailureClass, String) {
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return (.dns, "cannot resolve \(connection.host)")
            }
            if let first = connection.connectionErrors.first?.error { return classify(first) }
            return (.other, "\(error)")
        }
        if let channelError = error as? ChannelError {
            switch channelError {
            case .connectTimeout: return (.timeout, "connect timed out")
            case .eof, .outputClosed, .inputClosed, .alreadyClosed, .ioOnClosedChannel: return (.reset, "connection closed early")
            default: return (.other, "\(channelError)")
            }
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return (.refused, "connection refused")
            case ECONNRESET, EPIPE: return (.reset, "connection reset")
            case ETIMEDOUT: return (.timeout, "connect timed out")
            case ENOENT: return (.refused, "no such socket")
            case EHOSTUNREACH, ENETUNREACH: return (.refused, "unreachable")
            default: return (.other, io.description)
            }
        }
        if error is SocketAddressError { return (.dns, "\(error)") }
        return (.other, "\(error)")
    }
}
