import Foundation
import PicketConfig
import PicketCore
import PicketTestSupport
import Testing

/// The key tables are the one description of the config: these tests hold the decoder, the example
/// and the README to them, key by key, without a hand-copied list of keys.
@Suite struct SchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func problems(_ tree: ConfigTree) -> [Diagnostic] {
        do {
            _ = try ConfigLoader.parse(tree.yaml, file: "picket.yaml", baseDirectory: "/etc/picket")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func theBaseConfigIsValid() {
        #expect(problems(.fullBase()).isEmpty)
    }

    @Test func everyBoundedKeyRefusesValuesJustOutsideItsBoundsWithItsLocation() {
        var checked = 0
        for placement in KeyPlacement.all {
            for (text, inside) in Self.boundaryValues(placement.key.kind) {
                let found = problems(ConfigTree.fullBase().setting(placement.steps, to: .scalar(text)))
                let bounds = found.filter { $0.keyPath == placement.keyPath && ($0.message.contains(" from ") || $0.message.contains("whole")) }
                if inside {
                    #expect(bounds.isEmpty, "\(placement.keyPath): \(text) is within bounds, got \(bounds)")
                } else {
                    #expect(bounds.count == 1, "\(placement.keyPath): \(text) is out of bounds, got \(found)")
                    #expect(bounds.allSatisfy { $0.line > 1 && ($0.message.hasSuffix(text) || $0.message.hasSuffix("'\(text)'")) }, "\(bounds)")
                }
                checked += 1
            }
        }
        #expect(checked > 200, "every duration, count and fraction is checked at both ends, got \(checked) checks")
    }

    /// Values at and just beyond a kind's bounds, and whether each is within them.
    static func boundaryValues(_ kind: ValueKind) -> [(String, Bool)] {
        func ms(_ duration: Duration) -> Int64 { duration.nanoseconds / 1_000_000 }
        switch kind {
        case .duration(let range):
            let low = ms(range.lowerBound), high = ms(range.upperBound)
            return [("\(low)ms", true), ("\(high)ms", true), ("\(high + 1)ms", false)] + (low > 0 ? [("\(low - 1)ms", false)] : [])
        case .wholeSeconds(let range):
            let low = range.lowerBound.components.seconds, high = range.upperBound.components.seconds
            return [("\(low)s", true), ("\(high)s", true), ("\(high + 1)s", false), ("\(low - 1)s", false), ("\(low)500ms", false)]
        case .integer(let range):
            return [("\(range.lowerBound)", true), ("\(range.upperBound)", true), ("\(range.lowerBound - 1)", false), ("\(range.upperBound + 1)", false)]
        case .fraction(let range):
            return [("\(range.lowerBound)", true), ("\(range.upperBound)", true), ("\(range.lowerBound - 0.01)", false), ("\(range.upperBound + 0.01)", false)]
        default:
            return []
        }
    }

    @Test func documentedDefaultsAreWhatTheDecoderTakesWhenTheKeyIsLeftOut() throws {
        func parse(_ tree: ConfigTree) throws -> PicketConfiguration {
            try ConfigLoader.parse(tree.yaml, file: "picket.yaml", baseDirectory: "/etc/picket")
        }
        var checked = 0
        for placement in KeyPlacement.all {
            guard case .value(let text) = placement.key.defaultValue, placement.steps.count > 1 else { continue }
            let absent = try parse(ConfigTree.fullBase().removing(placement.steps))
            let written = try parse(ConfigTree.fullBase().setting(placement.steps, to: .scalar(text)))
            #expect(written == absent, "\(placement.keyPath): the README's default \(text) is not what Picket takes without the key")
            checked += 1
        }
        #expect(checked > 60)
    }

    @Test func theFullExampleWritesEveryKeyOfTheSchema() throws {
        let loaded = try ConfigLoader.read(path: Self.repository.appendingPathComponent("examples/full.yaml").path)
        let written = Set(loaded.source.writtenKeyPaths.map(Self.pattern))
        for placement in KeyPlacement.all {
            let pattern = Self.pattern(placement.keyPath)
            let parent = pattern.dropLast(placement.key.name.count)
            let shown = [pattern] + placement.section.alternatives(to: placement.key.name).map { parent + $0 }
            let covered = shown.contains { written.contains($0) || written.contains(Self.asDefaults($0)) || written.contains(Self.asApp($0)) }
            #expect(covered, "examples/full.yaml does not show \(pattern) (nor a key it excludes)")
        }
    }

    /// `apps[2].health_check.interval` → `apps[].health_check.interval`.
    static func pattern(_ keyPath: String) -> String {
        keyPath.replacingOccurrences(of: #"\[\d+\]"#, with: "[]", options: .regularExpression)
    }

    static func asDefaults(_ pattern: String) -> String {
        pattern.hasPrefix("apps[].") ? "defaults." + pattern.dropFirst("apps[].".count) : pattern
    }

    static func asApp(_ pattern: String) -> String {
        pattern.hasPrefix("defaults.") ? "apps[]." + pattern.dropFirst("defaults.".count) : pattern
    }

    @Test func theReadmeReferenceIsTheSchema() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let expected = ConfigReference.markdown
        let begin = try #require(readme.range(of: ConfigReference.begin), "README.md lacks the generated config reference")
        let end = try #require(readme.range(of: ConfigReference.end))
        let current = String(readme[begin.lowerBound..<end.upperBound])
        if ProcessInfo.processInfo.environment["PICKET_UPDATE_README"] == "1", current != expected {
            try readme.replacingCharacters(in: begin.lowerBound..<end.upperBound, with: expected)
                .write(to: Self.repository.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        }
        #expect(current == expected, "README.md's config reference differs from ConfigSchema; PICKET_UPDATE_README=1 swift test --filter SchemaTests rewrites it")
    }
}

/// The README's config reference, generated from `ConfigSchema`: one table per section.
enum ConfigReference {
    static let begin = "<!-- config reference: generated from ConfigSchema, checked by SchemaTests -->"
    static let end = "<!-- end of config reference -->"

    static var markdown: String {
        var lines = [begin]
        for section in ConfigSchema.sections {
            lines += ["", "**\(section.path.isEmpty ? "top level" : "`\(section.path)`")**", "", "| key | takes | default | |", "|---|---|---|---|"]
            for key in section.keys {
                let takes: String
                switch key.kind {
                case .section(let nested): takes = "section `\(nested.path)`"
                case .sections(let nested): takes = "list of `\(nested.path)`"
                default: takes = key.kind.summary
                }
                lines.append("| `\(key.name)` | \(cell(takes)) | \(cell(key.defaultValue.summary)) | \(cell(key.doc)) |")
            }
        }
        return (lines + ["", end]).joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
