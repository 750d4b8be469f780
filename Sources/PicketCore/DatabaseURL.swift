/// Where the fleet's PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`.
///
/// Parsed here, with no I/O, so that `picket validate` refuses a malformed URL at its line and the
/// runtime connects with exactly what was validated. libpq's URL form, restricted to what Picket
/// honours: one host, and `sslmode` as the only parameter (anything else is refused, not ignored).
public struct DatabaseURL: Hashable, Sendable, CustomStringConvertible {
    /// libpq's `sslmode` values. `allow` is read as `prefer`: the driver cannot start in plain text and
    /// upgrade.
    public enum SSLMode: String, Hashable, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public let user: String
    public let password: String?
    public let host: String
    public let port: Int
    public let database: String
    public let sslMode: SSLMode

    public init(user: String, password: String?, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .prefer) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL with the password hidden, for logs and errors.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// Whether `text` is meant as a PostgreSQL URL (rather than a mistyped one for something else).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(validating text: String) throws(DatabaseURLError) {
        guard let scheme = ["postgres://", "postgresql://"].first(where: text.hasPrefix) else {
            throw DatabaseURLError("expected postgres://USER@HOST:PORT/DATABASE")
        }
        var rest = text.dropFirst(scheme.count)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else { throw DatabaseURLError("name the user: postgres://USER@HOST/DATABASE") }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        let (userText, passwordText) = Self.split(userInfo, at: ":")
        guard let user = Self.decoded(userText), !user.isEmpty else { throw DatabaseURLError("name the user: postgres://USER@HOST/DATABASE") }
        let password = try passwordText.map { text throws(DatabaseURLError) -> String in
            guard let decoded = Self.decoded(text) else { throw DatabaseURLError("the password is not valid percent-encoding") }
            return decoded
        }
        guard let slash = rest.firstIndex(of: "/") else { throw DatabaseURLError("name the database: postgres://USER@HOST:PORT/DATABASE") }
        guard let database = Self.decoded(rest[rest.index(after: slash)...]), !database.isEmpty, !database.contains("/") else {
            throw DatabaseURLError("name the database: postgres://USER@HOST:PORT/DATABASE")
        }
        let (host, port) = try Self.hostAndPort(rest[..<slash])
        var sslMode = SSLMode.prefer
        for pair in query.split(separator: "&") {
            let (name, value) = Self.split(pair, at: "=")
            guard name == "sslmode" else {
                throw DatabaseURLError("unknown parameter '\(name)': only sslmode is supported (\(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let mode = value.flatMap({ SSLMode(rawValue: String($0)) }) else {
                throw DatabaseURLError("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sslMode = mode
        }
        self.init(user: user, password: password, host: host, port: port, database: database, sslMode: sslMode)
    }

    /// The same place with a password found elsewhere (a file, `PGPASSWORD`); the URL's own wins.
    public func with(password other: String?) -> DatabaseURL {
        DatabaseURL(user: user, password: password ?? other, host: host, port: port, database: database, sslMode: sslMode)
    }

    private static func hostAndPort(_ text: Substring) throws(DatabaseURLError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw DatabaseURLError("an IPv6 host needs its closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw DatabaseURLError("expected :PORT after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw DatabaseURLError("name the host: postgres://USER@HOST:PORT/DATABASE") }
        guard host.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:_".unicodeScalars.contains($0) }) else {
            throw DatabaseURLError("the host '\(host)' is not a host name or an IP address")
        }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65_535).contains(port) else { throw DatabaseURLError("the port must be a number from 1 to 65535") }
        return (String(host), port)
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    /// Percent-decoding, nil when malformed.
    private static func decoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                    let value = UInt8(String(decoding: [utf8[first], utf8[utf8.index(after: first)]], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
                index = utf8.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Why a `state.url` is not a usable PostgreSQL URL.
public struct DatabaseURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
