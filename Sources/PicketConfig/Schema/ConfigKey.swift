/// One key of a config section: its name, the values it takes (with bounds), its default and one line
/// of documentation.
///
/// Each section has one table of these. The decoders read names and bounds from it, unknown keys are
/// found against it, and the tests, the README's reference and any generated schema read the same
/// table, so a key is declared once.
public struct ConfigKey: Sendable {
    public let name: String
    public let kind: ValueKind
    public let defaultValue: KeyDefault
    public let doc: String

    public init(_ name: String, _ kind: ValueKind, _ defaultValue: KeyDefault, _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// What a key accepts. Every duration, count and fraction has bounds, checked when the config is read.
public indirect enum ValueKind: Sendable {
    /// `500ms`, `5s`, `2m`, `1h`, within the range.
    case duration(ClosedRange<Duration>)
    /// A duration in whole seconds (nginx's and Docker's unit), within the range.
    case wholeSeconds(ClosedRange<Duration>)
    case integer(ClosedRange<Int>)
    case fraction(ClosedRange<Double>)
    case boolean
    case text
    /// A file path; a relative one is taken from the config file's directory.
    case path
    case choice([String])
    /// `host:port`, `[v6]:port` or `unix:/path`.
    case address
    /// A list of command-line words.
    case command
    /// A list of values of one kind.
    case list(ValueKind)
    /// One value of a kind, or a list of them.
    case oneOrList(ValueKind)
    /// A mapping of names to text (headers, labels).
    case mapping
    /// A nested section with keys of its own.
    case section(ConfigSection)
    /// A list of sections.
    case sections(ConfigSection)

    /// The bounds in words, for messages and documentation.
    public var summary: String {
        switch self {
        case .duration(let range): return "duration, \(range.lowerBound.shortDescription) to \(range.upperBound.shortDescription)"
        case .wholeSeconds(let range): return "whole seconds, \(range.lowerBound.shortDescription) to \(range.upperBound.shortDescription)"
        case .integer(let range): return "integer, \(range.lowerBound) to \(range.upperBound)"
        case .fraction(let range): return "number, \(range.lowerBound.formatted) to \(range.upperBound.formatted)"
        case .boolean: return "true or false"
        case .text: return "text"
        case .path: return "path"
        case .choice(let options): return options.joined(separator: " | ")
        case .address: return "address"
        case .command: return "command (list of words)"
        case .list(let item): return "list of \(item.summary)"
        case .oneOrList(let item): return "\(item.summary), or a list of them"
        case .mapping: return "mapping of names to text"
        case .section: return "section"
        case .sections: return "list of sections"
        }
    }
}

/// A key's default, as the README documents it.
public enum KeyDefault: Sendable {
    /// The value Picket takes when the key is absent, written as in a config file.
    case value(String)
    /// Absent means off, or not set.
    case none
    /// The key must be given.
    case required
    /// The default is derived from something else (said in words).
    case derived(String)

    public var summary: String {
        switch self {
        case .value(let text): return text
        case .none: return "none"
        case .required: return "required"
        case .derived(let words): return words
        }
    }
}

/// One section of the config: where it sits (`apps[].health_check`) and the keys it takes.
public struct ConfigSection: Sendable {
    /// The key path with `[]` for list items, as in the README's reference.
    public let path: String
    public let keys: [ConfigKey]
    /// Keys an earlier Picket took, each refused with what to write instead, so an old config fails
    /// `picket validate` with a way forward.
    public let retired: [String: String]
    /// The key an item of a list of these sections may be written as alone (an instance as just its
    /// address).
    public let shorthand: ConfigKey?
    /// Groups of keys that say the same thing two ways: at most one of each group may be written.
    public let exclusive: [[String]]

    public init(_ path: String, _ keys: [ConfigKey], retired: [String: String] = [:], shorthand: ConfigKey? = nil, exclusive: [[String]] = []) {
        self.path = path
        self.keys = keys
        self.retired = retired
        self.shorthand = shorthand
        self.exclusive = exclusive
    }

    /// The keys that exclude `name` (empty for most keys).
    public func alternatives(to name: String) -> [String] {
        exclusive.first { $0.contains(name) }?.filter { $0 != name } ?? []
    }

    public var names: [String] { keys.map(\.name) }

    public subscript(name: String) -> ConfigKey? { keys.first { $0.name == name } }
}

extension Double {
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
