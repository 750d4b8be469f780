import NIOCore
import NIOPosix
import PicketCore

/// Maps the errors a connection can end with to Picket's failure classes.
enum FailureClassifier {
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
