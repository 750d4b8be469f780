import Yams

/// Reads typed values out of YAML nodes, turning every problem into a located `Diagnostic` instead of
/// stopping at the first one. Each accessor returns nil after reporting.
///
/// Every value is read as text and parsed by Picket, so YAML's own typing never decides what a value
/// means: a tag (`!!binary`, `!!int` on a name) is refused rather than silently converted, and a null
/// is refused where a value is expected rather than read as the word "null". Which nodes carry a tag
/// comes from `YAMLScan`, as written.
final class NodeReader {
    let file: String
    private let tags: [YAMLScan.Site: String]
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var warnings: [Diagnostic] = []
    /// Where each key's value sits, by key path: later checks (template, main config) point there.
    private(set) var marks: [String: ConfigSource.Location] = [:]
    private var seen: Set<Diagnostic> = []

    init(file: String, tags: [YAMLScan.Site: String] = [:]) {
        self.file = file
        self.tags = tags
    }

    func report(_ node: Node?, _ path: String, _ message: String) {
        let diagnostic = located(node, path, message)
        let location = Diagnostic(file: file, line: diagnostic.line, column: diagnostic.column, keyPath: "", message: message)
        guard seen.insert(location).inserted else { return }
        diagnostics.append(diagnostic)
    }

    func warn(_ node: Node?, _ path: String, _ message: String) {
        warnings.append(located(node, path, message))
    }

    private func located(_ node: Node?, _ path: String, _ message: String) -> Diagnostic {
        let mark = node?.mark
        return Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, keyPath: path, message: message)
    }

    /// The mapping at `node`, with unknown keys reported (with a hint) against the section's table.
    func section(_ node: Node?, _ path: String, _ table: ConfigSection) -> Section? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            report(node, path, "expected a mapping of keys (\(table.names.joined(separator: ", ")))")
            return nil
        }
        guard accepts(node, .mapping, path, among: [.map]) else { return nil }
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report(key, path, "keys must be plain words")
                continue
            }
            guard accepts(key, .scalar, join(path, name), among: [.str]) else { continue }
            if name == "<<" {
                report(key, join(path, name), "YAML merge keys are not supported: put what apps share under defaults:")
            } else if let advice = table.retired[name] {
                report(key, join(path, name), "'\(name)' is no longer supported: \(advice)")
            } else if table[name] == nil {
                report(key, join(path, name), "unknown key '\(name)'\(Suggestion.hint(for: name, in: table.names))")
            } else if let mark = value.mark {
                marks[join(path, name)] = ConfigSource.Location(line: mark.line, column: mark.column)
            }
        }
        for group in table.exclusive {
            let written = group.filter { mapping[Node($0)] != nil }
            for name in written.dropFirst() {
                report(mapping[Node(name)], join(path, name), "give \(written[0]) or \(name), not both")
            }
        }
        return Section(mapping: mapping, path: path, node: node)
    }

    /// The nested section under `key`.
    func section(_ parent: Section, _ key: ConfigKey) -> Section? {
        guard case .section(let table) = key.kind else { preconditionFailure("\(key.name) is not a section") }
        return section(parent[key], parent.path(key.name), table)
    }

    func string(_ node: Node?, _ path: String, nonEmpty: Bool = true) -> String? {
        guard let text = scalar(node, path, accepting: [.str]) else { return nil }
        if nonEmpty, text.isEmpty {
            report(node, path, "must not be empty")
            return nil
        }
        return text
    }

    func string(_ section: Section, _ key: ConfigKey, nonEmpty: Bool = true) -> String? {
        string(section[key], section.path(key.name), nonEmpty: nonEmpty)
    }

    func int(_ node: Node?, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = scalar(node, path, accepting: [.str, .int]) else { return nil }
        guard let value = Int(text) else {
            report(node, path, "expected a whole number, got '\(text)'")
            return nil
        }
        guard range.contains(value) else {
            report(node, path, "must be from \(range.lowerBound) to \(range.upperBound), got \(text)")
            return nil
        }
        return value
    }

    func int(_ section: Section, _ key: ConfigKey) -> Int? {
        guard case .integer(let range) = key.kind else { preconditionFailure("\(key.name) is not an integer") }
        return int(section[key], section.path(key.name), in: range)
    }

    func double(_ section: Section, _ key: ConfigKey) -> Double? {
        guard case .fraction(let range) = key.kind else { preconditionFailure("\(key.name) is not a fraction") }
        let node = section[key], path = section.path(key.name)
        guard let text = scalar(node, path, accepting: [.str, .int, .float]) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            report(node, path, "expected a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            return nil
        }
        return value
    }

    func bool(_ section: Section, _ key: ConfigKey) -> Bool? {
        guard case .boolean = key.kind else { preconditionFailure("\(key.name) is not a boolean") }
        let node = section[key], path = section.path(key.name)
        guard let text = scalar(node, path, accepting: [.str, .bool]) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(node, path, "expected true or false, got '\(text)'")
            return nil
        }
    }

    func duration(_ node: Node?, _ path: String, in range: ClosedRange<Duration>, wholeSeconds: Bool = false) -> Duration? {
        guard let text = string(node, path) else { return nil }
        guard let value = DurationText.parse(text) else {
            report(node, path, "expected a duration such as 500ms, 5s, 2m or 1h, got '\(text)'")
            return nil
        }
        guard range.contains(value) else {
            report(node, path, "must be from \(range.lowerBound.shortDescription) to \(range.upperBound.shortDescription), got \(text)")
            return nil
        }
        guard !wholeSeconds || value.nanoseconds % 1_000_000_000 == 0 else {
            report(node, path, "must be whole seconds (nginx and Docker take no fractions), got \(text)")
            return nil
        }
        return value
    }

    func duration(_ section: Section, _ key: ConfigKey) -> Duration? {
        switch key.kind {
        case .duration(let range): return duration(section[key], section.path(key.name), in: range)
        case .wholeSeconds(let range): return duration(section[key], section.path(key.name), in: range, wholeSeconds: true)
        default: preconditionFailure("\(key.name) is not a duration")
        }
    }

    func choice<T>(_ node: Node?, _ path: String, _ options: [String: T]) -> T? {
        guard let text = string(node, path) else { return nil }
        guard let value = options[text] else {
            let names = options.keys.sorted()
            report(node, path, "expected one of \(names.joined(separator: ", ")), got '\(text)'\(Suggestion.hint(for: text, in: names))")
            return nil
        }
        return value
    }

    /// One of the key's choices, as written.
    func choice(_ section: Section, _ key: ConfigKey) -> String? {
        guard case .choice(let options) = key.kind else { preconditionFailure("\(key.name) is not a choice") }
        return choice(section[key], section.path(key.name), Dictionary(uniqueKeysWithValues: options.map { ($0, $0) }))
    }

    func list(_ node: Node?, _ path: String) -> [Node]? {
        guard let node else { return nil }
        guard let sequence = node.sequence else {
            report(node, path, "expected a list")
            return nil
        }
        guard accepts(node, .sequence, path, among: [.seq]) else { return nil }
        return Array(sequence)
    }

    func stringList(_ node: Node?, _ path: String) -> [String]? {
        guard let items = list(node, path) else { return nil }
        let strings = items.enumerated().compactMap { string($1, "\(path)[\($0)]") }
        return strings.count == items.count ? strings : nil
    }

    /// A scalar's text. Refused: a mapping or list, a YAML tag other than `accepting` (a quoted value
    /// carries `!!str`), and a null (`~`, `null`, nothing at all).
    private func scalar(_ node: Node?, _ path: String, accepting accepted: [Tag.Name]) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else {
            report(node, path, "expected a single value, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        guard accepts(node, .scalar, path, among: accepted) else { return nil }
        if scalar.style == .plain, tag(of: node, .scalar) == nil, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            report(node, path, "expected a value, got null (write \"\" for empty text, or leave the key out)")
            return nil
        }
        return scalar.string
    }

    /// The tag written on `node`, if any.
    private func tag(of node: Node, _ kind: YAMLScan.Site.Kind) -> String? {
        node.mark.flatMap { tags[YAMLScan.Site(line: $0.line, column: $0.column, kind: kind)] }
    }

    /// Whether a node has no tag or one of `names`; reports any other tag.
    private func accepts(_ node: Node, _ kind: YAMLScan.Site.Kind, _ path: String, among names: [Tag.Name]) -> Bool {
        guard let name = tag(of: node, kind) else { return true }
        if names.contains(where: { $0.rawValue == name }) { return true }
        let prefix = "tag:yaml.org,2002:"
        let short = name.hasPrefix(prefix) ? "!!" + name.dropFirst(prefix.count) : name
        report(node, path, "YAML tag \(short) is not accepted here: write the value plainly (Picket reads every value as text)")
        return false
    }
}

/// A mapping being read, with the key path that names it in diagnostics.
struct Section {
    let mapping: Node.Mapping
    let path: String
    let node: Node

    subscript(key: String) -> Node? {
        mapping[Node(key)]
    }

    subscript(key: ConfigKey) -> Node? {
        mapping[Node(key.name)]
    }

    func path(_ key: String) -> String { join(path, key) }
}

func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : "\(path).\(key)"
}

extension Node {
    /// This mapping with `overrides`' keys replacing its own: how `defaults:` meets an app.
    func overlaid(by overrides: Node?) -> Node {
        guard let base = mapping, let overrides = overrides?.mapping else { return overrides ?? self }
        var pairs = base.filter { pair in overrides[pair.key] == nil }.map { ($0.key, $0.value) }
        pairs += overrides.map { ($0.key, $0.value) }
        return .mapping(Node.Mapping(pairs, base.tag, base.style, overrides.mark))
    }
}
