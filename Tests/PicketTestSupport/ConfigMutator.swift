import PicketConfig
import PicketCore

/// Generates hostile variations of a valid config, reproducibly from a seed: wrong types, values at and
/// beyond every bound of the schema, unicode and control characters, YAML tags and anchors, injection
/// attempts, missing and misspelt keys, and damage to the text itself.
public struct ConfigMutator {
    private var random: RandomSource
    private let base: ConfigTree
    private let placements: [KeyPlacement]

    /// `placements` are the keys it may touch (all of the schema by default).
    public init(seed: UInt64, base: ConfigTree, placements: [KeyPlacement] = KeyPlacement.all) {
        random = RandomSource(seed: seed)
        self.base = base
        self.placements = placements
    }

    /// One mutated config file's bytes (not always UTF-8) and what was done to it (for a failure
    /// message).
    public mutating func next() -> (bytes: [UInt8], mutations: [String]) {
        var tree = base
        var done: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let placement = placements.randomElement(using: &random)!
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                tree = tree.removing(placement.steps)
                done.append("remove \(placement.keyPath)")
            case 1:
                let misspelt = placement.key.name.dropLast() + "x"
                tree = tree.removing(placement.steps).setting(Array(placement.steps.dropLast()) + [.key(String(misspelt))], to: .scalar("1"))
                done.append("misspell \(placement.keyPath)")
            default:
                let value = hostileValue(for: placement.key.kind)
                tree = tree.setting(placement.steps, to: .scalar(value))
                done.append("\(placement.keyPath) = \(value)")
            }
        }
        var bytes = Array(tree.yaml.utf8)
        if Int.random(in: 0..<8, using: &random) == 0 {
            done.append(damage(&bytes))
        }
        return (bytes, done)
    }

    /// A value for a key of `kind`: within its bounds or at their edges half the time (so some
    /// configs are accepted), anything from the hostile pool otherwise.
    private mutating func hostileValue(for kind: ValueKind) -> String {
        if Bool.random(using: &random), let edge = Self.edges(of: kind).randomElement(using: &random) { return edge }
        return Self.pool.randomElement(using: &random)!
    }

    /// Values at and just beyond the bounds of a kind, as text.
    public static func edges(of kind: ValueKind) -> [String] {
        func ms(_ duration: Duration) -> Int64 { duration.nanoseconds / 1_000_000 }
        switch kind {
        case .duration(let range), .wholeSeconds(let range):
            return ["\(ms(range.lowerBound))ms", "\(ms(range.upperBound))ms", "\(ms(range.upperBound) + 1)ms", range.upperBound.shortDescription,
                range.lowerBound.shortDescription]
        case .integer(let range):
            return ["\(range.lowerBound)", "\(range.upperBound)", "\(range.lowerBound - 1)", "\(range.upperBound + 1)"]
        case .fraction(let range):
            return ["\(range.lowerBound)", "\(range.upperBound)", "\(range.upperBound + 0.001)"]
        case .boolean:
            return ["true", "false", "yes", "off"]
        case .choice(let options):
            return options + options.map { $0.uppercased() }
        default:
            return []
        }
    }

    /// Values no config should hold, or that test the edges of what one may: types, numbers,
    /// durations, unicode, control characters (as YAML escapes), tags, anchors and injection.
    public static let pool: [String] = [
        "[]", "{}", "[1, 2]", "{a: b}", "[[[[[]]]]]", "true", "null", "~", "\"\"", "''", "-", "? x",
        "-1", "0", "1e400", "NaN", ".nan", ".inf", "-.inf", "0x10", "0o17", "1_000", "99999999999999999999", "-9223372036854775808",
        "9223372036854775807", "2147483648", "1.5", "0.000001", "+5", "05",
        "2400000h", "0ms", "-5s", "1e3s", ".5s", "5", "5 s", "5S", "99999999999999999999h", "0.0000001ms", "1h1m", "\"\u{FF19}s\"",
        "\"5s\u{200B}\"", "9223372036854775807ns", "1.7976931348623157e308h",
        "\"w\u{E9}b\"", "\"web\u{202E}gpj\"", "\"\u{1F680}\"", "\"e\u{301}\"", "\"\u{FEFF}web\"", "\"\u{05D0}\u{05D1}\"",
        "\"" + String(repeating: "a", count: 10_000) + "\"",
        "\"a\\0b\"", "\"a\\r\\nb\"", "\"\\e[31mred\"", "\"\\x7f\"", "\"a\\tb\"", "\"\\u2028\"", "\"\\x00\"",
        "!!binary d2Vi", "!!int 5", "!!str 5", "!!float 1", "!!null ''", "!!bool yes", "!!set {a, b}", "!!omap [a: 1]", "!custom x",
        "!<tag:evil.example,2024:x> x", "!!timestamp 2001-12-14", "!!map {a: 1}", "!!seq [a]",
        "&anchor 5s", "*undefined", "&a [*a]",
        "\"127.0.0.1:80; } server evil:1 {\"", "\"$(reboot)\"", "\"`id`\"", "\"web; include /etc/passwd\"", "../../etc/passwd", "/dev/zero",
        "/proc/self/mem", "/", "\"{{name}}\"", "\"{{#servers}}\"", "\"\\\"; drop\"", "\"hash $remote_addr; }\"", "\"unix:/tmp/x;y\"",
        "\"[::1]:80 backup\"", "\"127.0.0.1:80\\nserver evil:1\"", "\"%s%s%s%n\"", "\"../\"", "\"http://127.0.0.1:9/\\r\\nX-Evil: 1\"",
        "\"0.0.0.0:9180\"", "\"[::]:0\"", "\"localhost:99999\"",
    ]

    /// Damage to the bytes themselves: one changed, inserted or cut off (invalid UTF-8 included).
    private mutating func damage(_ bytes: inout [UInt8]) -> String {
        let at = Int.random(in: 0..<bytes.count, using: &random)
        let byte: UInt8 = [0x00, 0x09, 0x0D, 0x1B, 0x7F, 0x80, 0xC3, 0xFF, 0x3A, 0x5B, 0x7B, 0x26, 0x2A, 0x21, 0x7C, 0x3E, 0x23].randomElement(using: &random)!
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            bytes[at] = byte
            return "byte \(at) = \(byte)"
        case 1:
            bytes.insert(byte, at: at)
            return "insert \(byte) at \(at)"
        default:
            bytes.removeLast(bytes.count - at)
            return "cut at \(at)"
        }
    }
}
