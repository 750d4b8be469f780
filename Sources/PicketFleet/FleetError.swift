import PostgresNIO

/// The fleet's database cannot be used: what went wrong, in words.
public struct FleetError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What went wrong with the database, in words an operator can act on: postgres-nio hides everything
/// in an error's description (it may hold query values); the code, the server's own message or the
/// connection's failure are safe to log.
func words(for error: any Error) -> String {
    guard let error = error as? PSQLError else { return "\(error)" }
    if let message = error.serverInfo?[.message] { return "the server said: \(message)" }
    if let underlying = error.underlying { return "\(error.code): \(underlying)" }
    return "\(error.code)"
}
