import Yams

/// Reads typed values out of YAML nodes, turning every problem into a located `Diagnostic` instead of
/// stopping at the first one. Each accessor returns nil after reporting.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    private var seen: Set<Diagnostic> = []

    init(file: String) {
        self.file = file
    }

    func report(_ node: Node?, _ path: String, _ message: String) {
        let mark = node?.mark
        let diagnostic = Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, keyPath: path, message: message)
        let location = Diagnostic(file: file, line: diagnostic.line, column: diagnostic.column, keyPath: "", message: message)
        guard seen.insert(location).inserted else { return }
        diagnostics.append(diagnostic)
    }

    /// The mapping at `node`, with unknown keys reported (with a hint) against `known`.
    func section(_ node: Node?, _ path: String, known: [String], retired: [String: String] = [:]) -> Section? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            report(node, path, "expected a mapping of keys (\(known.joined(separator: ", ")))")
            return nil
        }
        for key in mapping.keys {
            guard let name = key.scalar?.string else {
                report(key, path, "keys must be plain words")
                continue
            }
            if let advice = retired[name] {
                report(key, join(path, name), "'\(name)' is no longer supported: \(advice)")
            } else if !known.contains(name) {
                report(key, join(path, name), "unknown key '\(name)'\(Suggestion.hint(for: name, in: known))")
            }
        }
        return Section(mapping: mapping, path: path, node: node)
    }

    func string(_ node: Node?, _ path: String, nonEmpty: Bool = true) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else {
            report(node, path, "expected a single value, not a \(node.mapping != nil ? "mapping" : "list")")
            return nil
        }
        if nonEmpty, scalar.string.isEmpty {
            report(node, path, "must not be empty")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node?, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text) else {
            report(node, path, "expected a whole number, got '\(text)'")
            return nil
        }
        guard range.contains(value) else {
            report(node, path, "must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    func double(_ node: Node?, _ path: String, in range: ClosedRange<Double>) -> Double? {
        guard let text = string(node, path) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            report(node, path, "expected a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            return nil
        }
        return value
    }

    func bool(_ node: Node?, _ path: String) -> Bool? {
        guard let text = string(node, path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(node, path, "expected true or false, got '\(text)'")
            return nil
        }
    }

    func duration(_ node: Node?, _ path: String, minimum: Duration = .zero) -> Duration? {
        guard let text = string(node, path) else { return nil }
        guard let value = DurationText.parse(text) else {
            report(node, path, "expected a duration such as 500ms, 5s, 2m or 1h, got '\(text)'")
            return nil
        }
        guard value >= minimum else {
            report(node, path, "must be at least \(minimum.shortDescription), got \(text)")
            return nil
        }
        return value
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

    func list(_ node: Node?, _ path: String) -> [Node]? {
        guard let node else { return nil }
        guard let sequence = node.sequence else {
            report(node, path, "expected a list")
            return nil
        }
        return Array(sequence)
    }

    func stringList(_ node: Node?, _ path: String) -> [String]? {
        guard let items = list(node, path) else { return nil }
        let strings = items.enumerated().compactMap { string($1, "\(path)[\($0)]") }
        return strings.count == items.count ? strings : nil
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
