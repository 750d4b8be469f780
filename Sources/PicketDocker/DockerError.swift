import PicketHTTPClient

/// Why a call to the Docker engine failed, split by what Picket should do about it: connection
/// problems and 5xx are worth retrying, 4xx are not.
public enum DockerError: Error, Sendable, CustomStringConvertible {
    case unreachable(engine: String, reason: String)
    case timeout(method: String, target: String, after: Duration)
    case status(Int, target: String, message: String)
    case badResponse(target: String, reason: String)
    /// Picket refused to act: the container does not match the app's selector.
    case outsideSelector(container: String)
    /// The engine's circuit breaker is open: calls fail at once until the next trial.
    case engineDown(String)

    /// Retrying may help: the engine was unreachable, slow, or failing on its side.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .timeout: return true
        case .status(let code, _, _): return code >= 500
        case .badResponse, .outsideSelector, .engineDown: return false
        }
    }

    /// The engine itself could not be reached (as opposed to answering with an error).
    public var isEngineOutage: Bool {
        switch self {
        case .unreachable, .timeout, .engineDown: return true
        case .status, .badResponse, .outsideSelector: return false
        }
    }

    /// The transport's failure in Docker's terms.
    public init(_ error: HTTPTransportError) {
        switch error {
        case .unreachable(let endpoint, let reason): self = .unreachable(engine: endpoint, reason: reason)
        case .timeout(let method, let target, let after): self = .timeout(method: method, target: target, after: after)
        case .status(let code, let target, let message): self = .status(code, target: target, message: message)
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let engine, let reason): return engine.isEmpty ? "engine unreachable: \(reason)" : "engine unreachable at \(engine): \(reason)"
        case .timeout(let method, let target, let after): return "\(method) \(target) got no answer within \(after)"
        case .status(let code, let target, let message): return "\(target) answered \(code): \(message)"
        case .badResponse(let target, let reason): return "\(target) answered something unexpected: \(reason)"
        case .outsideSelector(let container): return "container \(container) does not match the app's selector; Picket leaves it alone"
        case .engineDown(let reason): return "engine marked down: \(reason)"
        }
    }
}
