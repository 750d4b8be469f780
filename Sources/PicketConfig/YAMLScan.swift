import CYaml

/// One pass over the YAML events before Yams builds the tree.
///
/// It refuses what would make building the tree cost minutes instead of microseconds: aliases that
/// expand the document beyond `maxValues` values ("billion laughs"), and mapping keys that are lists,
/// mappings or aliases (Yams hashes every key to find duplicates, so an alias of a large structure as a
/// key is hashed in full). Picket's keys are plain words, so neither refusal costs a real config anything.
///
/// It also records which nodes carry an explicit tag (`!!binary`): Yams resolves tags in place when it
/// compares nodes, so after composing, a written `!!int` and a plain `5` look alike.
enum YAMLScan {
    static let maxValues = 100_000

    /// Where a node starts, and what kind of node it is (a mapping and its first key start together).
    struct Site: Hashable {
        enum Kind { case scalar, sequence, mapping }
        let line: Int
        let column: Int
        let kind: Kind
    }

    struct Result {
        /// The first problem, located; nil when there is none (syntax errors are left to Yams, which
        /// reports them in full).
        var problem: Diagnostic?
        /// Explicit tags as written (`tag:yaml.org,2002:binary`, `!custom`), by the node they are on.
        var tags: [Site: String] = [:]
    }

    static func scan(_ text: String, file: String) -> Result {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return Result() }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk(file: file)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return Result(tags: walk.tags) }
                let type = event.type
                let problem = walk.take(&event)
                yaml_event_delete(&event)
                if let problem { return Result(problem: problem, tags: walk.tags) }
                if type == YAML_STREAM_END_EVENT { return Result(tags: walk.tags) }
            }
        }
    }

    /// The open collections and the expanded size of every anchor seen so far.
    private struct Walk {
        struct Frame {
            var anchor: String?
            var isMapping: Bool
            var size = 1
            var children = 0
        }

        let file: String
        var stack: [Frame] = []
        var sizes: [String: Int] = [:]
        var tags: [Site: String] = [:]

        mutating func take(_ event: inout yaml_event_t) -> Diagnostic? {
            let mark = event.start_mark
            switch event.type {
            case YAML_SCALAR_EVENT:
                if let problem = keyCheck(isScalar: true, mark) { return problem }
                record(name(event.data.scalar.tag), .scalar, mark)
                return add(1, anchor: name(event.data.scalar.anchor), mark)
            case YAML_ALIAS_EVENT:
                if let problem = keyCheck(isScalar: false, mark) { return problem }
                return add(name(event.data.alias.anchor).flatMap { sizes[$0] } ?? 1, anchor: nil, mark)
            case YAML_SEQUENCE_START_EVENT:
                if let problem = keyCheck(isScalar: false, mark) { return problem }
                record(name(event.data.sequence_start.tag), .sequence, mark)
                stack.append(Frame(anchor: name(event.data.sequence_start.anchor), isMapping: false))
            case YAML_MAPPING_START_EVENT:
                if let problem = keyCheck(isScalar: false, mark) { return problem }
                record(name(event.data.mapping_start.tag), .mapping, mark)
                stack.append(Frame(anchor: name(event.data.mapping_start.anchor), isMapping: true))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { return nil }
                return add(frame.size, anchor: frame.anchor, mark)
            default:
                break
            }
            return nil
        }

        private mutating func record(_ tag: String?, _ kind: Site.Kind, _ mark: yaml_mark_t) {
            if let tag { tags[Site(line: Int(mark.line) + 1, column: Int(mark.column) + 1, kind: kind)] = tag }
        }

        /// A node arriving where its mapping expects a key must be a plain scalar.
        private func keyCheck(isScalar: Bool, _ mark: yaml_mark_t) -> Diagnostic? {
            guard !isScalar, let parent = stack.last, parent.isMapping, parent.children % 2 == 0 else { return nil }
            return diagnostic(mark, "YAML: a key here is a list, a mapping or an alias; Picket's keys are plain words")
        }

        private mutating func add(_ size: Int, anchor: String?, _ mark: yaml_mark_t) -> Diagnostic? {
            if let anchor { sizes[anchor] = size }
            guard !stack.isEmpty else { return nil }
            stack[stack.count - 1].size += size
            stack[stack.count - 1].children += 1
            guard stack[stack.count - 1].size <= YAMLScan.maxValues else {
                return diagnostic(mark, "YAML: aliases expand the document beyond \(YAMLScan.maxValues) values; write the values out, or use defaults:")
            }
            return nil
        }

        private func diagnostic(_ mark: yaml_mark_t, _ message: String) -> Diagnostic {
            Diagnostic(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1, keyPath: "", message: message)
        }

        private func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
