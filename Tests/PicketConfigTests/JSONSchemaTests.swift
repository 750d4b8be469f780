import Foundation
import PicketConfig
import PicketNginx
import PicketTestSupport
import Testing
import Yams

/// `picket config schema` against the loader: the same configs go through both, and a real validator
/// (Python's jsonschema, draft-07) must agree with the loader on each.
@Suite struct JSONSchemaTests {
    /// One config and what the loader made of it.
    struct Case {
        let name: String
        let yaml: String
        let loaderAccepts: Bool
    }

    /// `baseDirectory`: where relative paths (TLS files) are found.
    static func loaderAccepts(_ yaml: String, baseDirectory: String = "/etc/picket") -> Bool {
        (try? ConfigLoader.parse(yaml, file: "picket.yaml", baseDirectory: baseDirectory)) != nil
    }

    /// Bounded keys at and beyond their bounds: whether the loader finds a bound problem at that key.
    static var boundCases: [(Case, inside: Bool)] {
        KeyPlacement.all.flatMap { placement -> [(Case, inside: Bool)] in
            switch placement.key.kind {
            case .integer, .fraction: break
            default: return []
            }
            return SchemaTests.boundaryValues(placement.key.kind).map { text, inside in
                let yaml = ConfigTree.fullBase().setting(placement.steps, to: .scalar(text)).yaml
                return (Case(name: "\(placement.keyPath) = \(text)", yaml: yaml, loaderAccepts: loaderAccepts(yaml)), inside)
            }
        }
    }

    /// Configs the loader refuses for a reason a schema can see: an unknown key in every section, a
    /// retired key, a choice not offered, a bare number for a duration, a missing required key.
    static var refusedCases: [Case] {
        var sections: [[ConfigTree.Step]] = [[]]
        for placement in KeyPlacement.all {
            switch placement.key.kind {
            case .section: sections.append(placement.steps)
            case .sections: sections.append(placement.steps + [.index(0)])
            default: break
            }
        }
        var trees = sections.map { ("unknown key under \(ConfigTree.keyPath($0))", ConfigTree.fullBase().setting($0 + [.key("picket_unknown")], to: .scalar("1"))) }
        trees += [
            ("retired key", ConfigTree.fullBase().setting([.key("apps"), .index(0), .key("circuit_breaker"), .key("success_threshold")], to: .scalar("2"))),
            ("choice not offered", ConfigTree.fullBase().setting([.key("apps"), .index(0), .key("when_all_down")], to: .scalar("fail_sideways"))),
            ("bare number for a duration", ConfigTree.fullBase().setting([.key("apps"), .index(0), .key("health_check"), .key("interval")], to: .scalar("5"))),
            ("missing app name", ConfigTree.fullBase().removing([.key("apps"), .index(0), .key("name")])),
            ("missing nginx.output", ConfigTree.fullBase().removing([.key("nginx"), .key("output")])),
        ]
        return trees.map { Case(name: $0.0, yaml: $0.1.yaml, loaderAccepts: loaderAccepts($0.1.yaml)) }
    }

    @Test func theSchemaTakesWhatTheLoaderTakesAndRefusesWhatItRefuses() async throws {
        let full = try String(contentsOf: SchemaTests.repository.appendingPathComponent("examples/full.yaml"), encoding: .utf8)
        let accepted = [
            Case(name: "examples/full.yaml", yaml: full, loaderAccepts: Self.loaderAccepts(full, baseDirectory: SchemaTests.repository.appendingPathComponent("examples").path)),
            Case(name: "the base config", yaml: ConfigTree.fullBase().yaml, loaderAccepts: Self.loaderAccepts(ConfigTree.fullBase().yaml)),
        ]
        let bounds = Self.boundCases
        let refused = Self.refusedCases
        let cases = accepted + bounds.map(\.0) + refused
        let verdicts = try await validate(cases.map(\.yaml))
        try #require(verdicts.count == cases.count)
        for (offset, item) in accepted.enumerated() {
            #expect(item.loaderAccepts && verdicts[offset].valid, "\(item.name): schema says \(verdicts[offset].errors)")
        }
        for (offset, (item, inside)) in bounds.enumerated() {
            let verdict = verdicts[accepted.count + offset]
            #expect(verdict.valid == inside, "\(item.name): schema \(verdict.valid ? "accepts" : "refuses") it (\(verdict.errors))")
            #expect(item.loaderAccepts == inside, "\(item.name): the loader \(item.loaderAccepts ? "accepts" : "refuses") it")
        }
        for (offset, item) in refused.enumerated() {
            let verdict = verdicts[accepted.count + bounds.count + offset]
            #expect(!item.loaderAccepts && !verdict.valid, "\(item.name): loader accepts: \(item.loaderAccepts), schema accepts: \(verdict.valid)")
        }
        #expect(bounds.count > 100 && refused.count > 20, "\(bounds.count) bound cases, \(refused.count) refused cases")
    }

    /// Each YAML document, read by Yams as the loader reads it, validated against the printed schema.
    func validate(_ documents: [String]) async throws -> [(valid: Bool, errors: String)] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-schema-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schema = directory.appendingPathComponent("schema.json"), instances = directory.appendingPathComponent("instances.json")
        try ConfigSchema.jsonSchema.rendered().write(to: schema, atomically: true, encoding: .utf8)
        let converted = try documents.map { try Self.json(Yams.compose(yaml: $0)) }
        try JSONValue.array(converted).rendered().write(to: instances, atomically: true, encoding: .utf8)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft7Validator.check_schema(schema)
            validator = jsonschema.Draft7Validator(schema)
            out = []
            for instance in json.load(open(sys.argv[2])):
                errors = list(validator.iter_errors(instance))
                out.append([not errors, "; ".join("/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors[:3])])
            print(json.dumps(out))
            """
        let result = await CommandRunner.run(["/usr/bin/python3", "-c", script, schema.path, instances.path], timeout: .seconds(60))
        try #require(result.succeeded, "\(result.summary)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[Any]])
        return rows.map { ($0[0] as? Bool ?? false, $0[1] as? String ?? "") }
    }

    /// A YAML node as JSON, with scalars typed as the YAML 1.2 core schema resolves them (as the YAML
    /// language server in editors does).
    static func json(_ node: Node?) throws -> JSONValue {
        switch node {
        case .scalar(let scalar)?:
            if scalar.style != .plain { return .string(scalar.string) }
            if let value = Int(scalar.string) { return .integer(value) }
            if let value = Double(scalar.string), scalar.string.first?.isNumber == true || scalar.string.first == "-" { return .number(value) }
            if scalar.string == "true" || scalar.string == "false" { return .bool(scalar.string == "true") }
            return .string(scalar.string)
        case .mapping(let mapping)?:
            return .object(try mapping.map { pair in
                guard let key = pair.key.scalar?.string else { throw POSIXError(.EINVAL) }
                return (key, try json(pair.value))
            })
        case .sequence(let sequence)?: return .array(try sequence.map(json))
        default: throw POSIXError(.EINVAL)
        }
    }
}
