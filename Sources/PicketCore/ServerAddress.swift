/// The address of one upstream server, validated so that it can be written into nginx text as is.
///
/// nginx accepts `host:port`, `[v6]:port` and `unix:/path`. Anything that could end a directive, open a
/// block or start a variable (`;`, `{`, `}`, `$`, quotes, white space, `#`) is rejected here, so a
/// hostile instance name can never change the meaning of the rendered file.
public struct ServerAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Host: Hashable, Sendable {
        case ipv4(String)
        case ipv6(String)
        case name(String)
    }

    public enum Kind: Hashable, Sendable {
        case network(host: Host, port: Int)
        case unix(path: String)
    }

    public let kind: Kind

    /// The text nginx receives, e.g. `127.0.0.1:8080`, `[::1]:8080`, `unix:/run/app.sock`.
    public let description: String

    public init(validating text: String) throws(AddressError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), path.count > 1, path.count <= 107 else {
                throw AddressError(text: text, reason: "a unix socket address needs an absolute path (unix:/run/app.sock)")
            }
            guard path.unicodeScalars.allSatisfy(Self.isSafePathScalar) else {
                throw AddressError(text: text, reason: "the socket path may only hold letters, digits and . _ - / @ +")
            }
            kind = .unix(path: path)
            description = text
            return
        }
        let (hostText, portText) = try Self.split(text)
        guard let port = Int(portText), (1...65535).contains(port), portText.first != "+" else {
            throw AddressError(text: text, reason: "the port must be a number from 1 to 65535")
        }
        let host: Host
        if text.hasPrefix("[") {
            guard Self.isIPv6(hostText) else { throw AddressError(text: text, reason: "'\(hostText)' is not an IPv6 address") }
            host = .ipv6(hostText)
        } else if Self.looksNumeric(hostText) {
            guard Self.isIPv4(hostText) else { throw AddressError(text: text, reason: "'\(hostText)' is not an IPv4 address") }
            host = .ipv4(hostText)
        } else {
            guard Self.isHostname(hostText) else {
                throw AddressError(text: text, reason: "'\(hostText)' is not a valid host name (letters, digits, '-' and '.')")
            }
            host = .name(hostText.lowercased())
        }
        kind = .network(host: host, port: port)
        switch host {
        case .ipv6(let v6): description = "[\(v6)]:\(port)"
        case .ipv4(let v4), .name(let v4): description = "\(v4):\(port)"
        }
    }

    /// The server of an upstream that has no instance at all (a Docker app with no containers): nginx
    /// rejects an empty upstream, and a `down` server that is never contacted keeps the block valid.
    public static let placeholder = try! ServerAddress(validating: "127.0.0.1:1")

    /// The same host with another port: a health check may probe a different port than traffic uses.
    public func withPort(_ port: Int) -> ServerAddress {
        guard case .network(let host, _) = kind, let moved = try? ServerAddress(validating: Self.text(host, port)) else {
            return self
        }
        return moved
    }

    public static func < (lhs: ServerAddress, rhs: ServerAddress) -> Bool {
        lhs.description < rhs.description
    }

    /// The text says everything the parsed kind does (each is made from the other), so equality and
    /// hashing look at the text alone: a backend's id is hashed on every check report, and hashing the
    /// kind's strings too doubled that work.
    public static func == (lhs: ServerAddress, rhs: ServerAddress) -> Bool {
        lhs.description == rhs.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }

    private static func text(_ host: Host, _ port: Int) -> String {
        switch host {
        case .ipv6(let v6): return "[\(v6)]:\(port)"
        case .ipv4(let name), .name(let name): return "\(name):\(port)"
        }
    }

    private static func split(_ text: String) throws(AddressError) -> (String, String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw AddressError(text: text, reason: "an IPv6 address is written [address]:port")
            }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let port = String(text[text.index(close, offsetBy: 2)...])
            return (host, port)
        }
        guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon else {
            throw AddressError(text: text, reason: "expected host:port, [ipv6]:port or unix:/path")
        }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private static func looksNumeric(_ host: String) -> Bool {
        host.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == "." }
    }

    static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard let value = Int(part), (0...255).contains(value), part.count <= 3 else { return false }
            return part.count == 1 || part.first != "0"
        }
    }

    static func isIPv6(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 45 else { return false }
        let allowed = host.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
        guard allowed, host.contains(":") else { return false }
        let doubleColons = zip(host.unicodeScalars, host.unicodeScalars.dropFirst()).filter { $0 == ":" && $1 == ":" }.count
        guard doubleColons <= 1 else { return false }
        let groups = host.split(separator: ":", omittingEmptySubsequences: true)
        let lastIsV4 = groups.last.map { $0.contains(".") } ?? false
        if lastIsV4, let last = groups.last, !isIPv4(String(last)) { return false }
        let hexGroups = lastIsV4 ? groups.dropLast() : groups[...]
        guard hexGroups.allSatisfy({ $0.count <= 4 && !$0.contains(".") }) else { return false }
        let width = hexGroups.count + (lastIsV4 ? 2 : 0)
        return doubleColons == 1 ? width < 8 : width == 8
    }

    static func isHostname(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard !label.isEmpty, label.count <= 63, label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" }
        }
    }

    private static func isSafePathScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCIIAlphanumeric || "._-/@+".unicodeScalars.contains(scalar)
    }
}

/// Why a text is not a usable server address.
public struct AddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid address '\(text)': \(reason)" }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
