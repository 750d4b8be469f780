/// The name of an app, which is also the name of its nginx `upstream` block.
///
/// Validated at the edge so that it is always a single safe nginx token: letters, digits, `_`, `-` and
/// `.`, starting with a letter or digit, at most 64 characters.
public struct AppName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let description: String

    public init(validating text: String) throws(NameError) {
        guard let first = text.unicodeScalars.first, first.isASCIIAlphanumeric || first == "_" else {
            throw NameError(text: text, reason: "must start with a letter, digit or '_'")
        }
        guard text.count <= 64 else { throw NameError(text: text, reason: "must be at most 64 characters") }
        guard text.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || "_-.".unicodeScalars.contains($0) }) else {
            throw NameError(text: text, reason: "may only hold letters, digits, '_', '-' and '.'")
        }
        description = text
    }

    public static func < (lhs: AppName, rhs: AppName) -> Bool { lhs.description < rhs.description }
}

/// Why a text is not a usable app (upstream) name.
public struct NameError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid name '\(text)': \(reason)" }
}
