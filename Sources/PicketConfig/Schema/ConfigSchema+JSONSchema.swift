/// The config as a JSON Schema (draft-07) for editors: what `picket config schema` prints. It is made
/// from the key tables the loader reads, so it cannot name a key, a type, a bound or a choice the loader
/// does not take; `SchemaTests` holds the two to agreeing on `examples/full.yaml` and on every bound.
///
/// It describes each value in its plain form (numbers unquoted, `true`/`false`, durations as `5s`).
/// What it cannot say is left to `picket validate`: the bounds of durations (they are in each key's
/// description), and rules between keys (`timeout` at most `interval`, http-only keys under `type: tcp`).
extension ConfigSchema {
    public static var jsonSchema: JSONValue {
        guard case .object(let body) = schema(of: root, doc: "a Picket config (picket.yaml)") else { preconditionFailure() }
        return .object([
            ("$schema", .string("http://json-schema.org/draft-07/schema#")),
            ("title", .string("Picket configuration")),
        ] + body)
    }

    /// A duration as `DurationText` reads it: a number and a unit.
    static let durationPattern = #"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ms|s|m|h)$"#
    /// `host:port`, `[v6]:port` or `unix:/path`, as `ServerAddress` reads it (which also checks the parts).
    static let addressPattern = #"^(unix:/.+|\[[0-9A-Fa-f:.]+\]:[0-9]+|[^\s:\[\]]+:[0-9]+)$"#

    static func schema(of section: ConfigSection, doc: String) -> JSONValue {
        var properties = section.keys.map { ($0.name, schema(of: $0)) }
        properties += section.retired.sorted { $0.key < $1.key }.map { name, advice in
            (name, .object([("description", .string("no longer supported: \(advice)")), ("not", .object([]))]))
        }
        var object: [(String, JSONValue)] = [("type", .string("object")), ("description", .string(doc)), ("properties", .object(properties))]
        let required = section.keys.filter { if case .required = $0.defaultValue { return true } else { return false } }
        if !required.isEmpty { object.append(("required", .array(required.map { .string($0.name) }))) }
        object.append(("additionalProperties", .bool(false)))
        if !section.exclusive.isEmpty {
            object.append(("allOf", .array(section.exclusive.map { group in
                .object([("not", .object([("required", .array(group.map { .string($0) }))]))])
            })))
        }
        guard let shorthand = section.shorthand else { return .object(object) }
        return .object([("anyOf", .array([schema(of: shorthand.kind), .object(object)]))])
    }

    static func schema(of key: ConfigKey) -> JSONValue {
        var words = key.doc
        switch key.kind {
        case .section, .sections: break
        default: words += " (\(key.kind.summary); default: \(key.defaultValue.summary))"
        }
        guard case .object(var pairs) = schema(of: key.kind, doc: words) else { preconditionFailure() }
        if !pairs.contains(where: { $0.0 == "description" }) { pairs.insert(("description", .string(words)), at: 0) }
        if case .value(let text) = key.defaultValue, let value = defaultValue(text, key.kind) { pairs.append(("default", value)) }
        return .object(pairs)
    }

    static func schema(of kind: ValueKind, doc: String = "") -> JSONValue {
        switch kind {
        case .duration, .wholeSeconds: return .object([("type", .string("string")), ("pattern", .string(durationPattern))])
        case .integer(let range):
            return .object([("type", .string("integer")), ("minimum", .integer(range.lowerBound)), ("maximum", .integer(range.upperBound))])
        case .fraction(let range):
            return .object([("type", .string("number")), ("minimum", .number(range.lowerBound)), ("maximum", .number(range.upperBound))])
        case .boolean: return .object([("type", .string("boolean"))])
        case .text: return scalar
        case .path: return .object([("type", .string("string")), ("minLength", .integer(1))])
        case .choice(let options): return .object([("enum", .array(options.map(JSONValue.string)))])
        case .address: return .object([("type", .string("string")), ("pattern", .string(addressPattern))])
        case .command: return .object([("type", .string("array")), ("items", scalar), ("minItems", .integer(1))])
        case .list(let item): return .object([("type", .string("array")), ("items", schema(of: item))])
        case .oneOrList(let item): return .object([("anyOf", .array([schema(of: item), .object([("type", .string("array")), ("items", schema(of: item))])]))])
        case .mapping: return .object([("type", .string("object")), ("additionalProperties", scalar)])
        case .section(let nested): return schema(of: nested, doc: doc)
        case .sections(let nested): return .object([("type", .string("array")), ("items", schema(of: nested, doc: doc))])
        }
    }

    /// Any scalar: the loader reads every value as text, so `200` and `"200"` are the same to it.
    private static let scalar = JSONValue.object([("type", .array([.string("string"), .string("number"), .string("boolean")]))])

    /// A documented default as the JSON value it means, where it is one plain value.
    private static func defaultValue(_ text: String, _ kind: ValueKind) -> JSONValue? {
        switch kind {
        case .integer: return Int(text).map(JSONValue.integer)
        case .fraction: return Double(text).map(JSONValue.number)
        case .boolean: return Bool(text).map(JSONValue.bool)
        case .duration, .wholeSeconds, .text, .path, .choice, .address, .oneOrList: return .string(text)
        case .command, .list, .mapping, .section, .sections: return nil
        }
    }
}
