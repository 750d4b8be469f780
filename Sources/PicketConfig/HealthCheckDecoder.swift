import PicketCore
import Yams

/// Reads a `health_check:` mapping into a `HealthCheckSpec`, checking every field and their relations.
struct HealthCheckDecoder {
    static let keys = [
        "type", "enabled", "path", "port", "method", "headers", "body", "expected_status_codes", "expected_body",
        "probe_data", "expected_response", "initial_delay", "interval", "fast_interval", "down_interval", "timeout", "failure_threshold",
        "success_threshold", "max_retries", "max_response_time", "jitter",
    ]
    static let methods = ["GET", "HEAD", "POST", "PUT"]

    let reader: NodeReader

    func decode(_ node: Node?, _ path: String) -> HealthCheckSpec {
        var spec = HealthCheckSpec()
        guard let section = reader.section(node, path, known: Self.keys) else { return spec }
        let type = reader.choice(section["type"], section.path("type"), ["http": "http", "tcp": "tcp"]) ?? "http"
        if let value = reader.bool(section["enabled"], section.path("enabled")) { spec.enabled = value }
        if let value = reader.int(section["port"], section.path("port"), in: 1...65535) { spec.port = value }
        if let value = reader.duration(section["initial_delay"], section.path("initial_delay")) { spec.initialDelay = value }
        if let value = reader.duration(section["interval"], section.path("interval"), minimum: .milliseconds(100)) { spec.interval = value }
        if let value = reader.duration(section["fast_interval"], section.path("fast_interval"), minimum: .milliseconds(10)) { spec.fastInterval = value }
        if let value = reader.duration(section["down_interval"], section.path("down_interval"), minimum: .milliseconds(100)) { spec.downInterval = value }
        if let value = reader.duration(section["timeout"], section.path("timeout"), minimum: .milliseconds(10)) { spec.timeout = value }
        if let value = reader.int(section["failure_threshold"], section.path("failure_threshold"), in: 1...100) { spec.failureThreshold = value }
        if let value = reader.int(section["success_threshold"], section.path("success_threshold"), in: 1...100) { spec.successThreshold = value }
        if let value = reader.int(section["max_retries"], section.path("max_retries"), in: 0...10) { spec.maxRetries = value }
        if let value = reader.duration(section["max_response_time"], section.path("max_response_time"), minimum: .milliseconds(1)) {
            spec.maxResponseTime = value
        }
        if let value = reader.double(section["jitter"], section.path("jitter"), in: 0...0.5) { spec.jitter = value }
        if section["fast_interval"] != nil, spec.fastInterval > spec.interval {
            reader.report(section["fast_interval"], section.path("fast_interval"),
                "the fast interval (\(spec.fastInterval.shortDescription)) must not exceed the interval (\(spec.interval.shortDescription))")
        }
        if spec.timeout > spec.interval {
            reader.report(section["timeout"] ?? section.node, section.path("timeout"),
                "the timeout (\(spec.timeout.shortDescription)) must not exceed the interval (\(spec.interval.shortDescription))")
        }
        spec.kind = type == "tcp" ? .tcp(decodeTCP(section)) : .http(decodeHTTP(section))
        return spec
    }

    private func decodeHTTP(_ section: Section) -> HTTPCheck {
        var check = HTTPCheck()
        for key in ["probe_data", "expected_response"] where section[key] != nil {
            reader.report(section[key], section.path(key), "only applies to type: tcp")
        }
        if let method = reader.choice(section["method"], section.path("method"), Dictionary(uniqueKeysWithValues: Self.methods.map { ($0, $0) })) {
            check.method = method
        }
        if let path = reader.string(section["path"], section.path("path")) {
            if HTTPCheck.isValidPath(path) {
                check.path = path
            } else {
                reader.report(section["path"], section.path("path"), "must start with '/' and hold no spaces or control characters")
            }
        }
        if let headers = section["headers"] {
            check.headers = decodeHeaders(headers, section.path("headers"))
        }
        check.body = reader.string(section["body"], section.path("body"), nonEmpty: false)
        check.expectedBody = reader.string(section["expected_body"], section.path("expected_body"))
        if let codes = section["expected_status_codes"] {
            check.expectedStatus = decodeStatusCodes(codes, section.path("expected_status_codes")) ?? check.expectedStatus
        }
        return check
    }

    private func decodeTCP(_ section: Section) -> TCPCheck {
        for key in ["path", "method", "headers", "body", "expected_status_codes", "expected_body"] where section[key] != nil {
            reader.report(section[key], section.path(key), "only applies to type: http")
        }
        return TCPCheck(
            probeData: reader.string(section["probe_data"], section.path("probe_data")),
            expectedResponse: reader.string(section["expected_response"], section.path("expected_response")))
    }

    private func decodeHeaders(_ node: Node, _ path: String) -> [HeaderField] {
        guard let mapping = node.mapping else {
            reader.report(node, path, "expected a mapping of header names to values")
            return []
        }
        return mapping.compactMap { pair in
            guard let name = reader.string(pair.key, path), let value = reader.string(pair.value, join(path, name), nonEmpty: false) else { return nil }
            guard name.unicodeScalars.allSatisfy({ $0.isHeaderTokenCharacter }) else {
                reader.report(pair.key, join(path, name), "is not a valid header name")
                return nil
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                reader.report(pair.value, join(path, name), "a header value may not hold line breaks")
                return nil
            }
            return HeaderField(name: name, value: value)
        }
    }

    private func decodeStatusCodes(_ node: Node, _ path: String) -> StatusCodeSet? {
        let items = node.sequence.map(Array.init) ?? [node]
        var ranges: [ClosedRange<Int>] = []
        for (index, item) in items.enumerated() {
            let itemPath = node.sequence == nil ? path : "\(path)[\(index)]"
            guard let text = reader.string(item, itemPath) else { continue }
            let bounds = text.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters()) }
            guard let low = bounds.first ?? nil, let high = bounds.last ?? nil, (100...599).contains(low), (low...599).contains(high) else {
                reader.report(item, itemPath, "expected a status code (200) or range (200-399) between 100 and 599, got '\(text)'")
                continue
            }
            ranges.append(low...high)
        }
        return ranges.isEmpty ? nil : StatusCodeSet(ranges)
    }
}

extension Unicode.Scalar {
    fileprivate var isHeaderTokenCharacter: Bool {
        guard isASCII, value > 32, value < 127 else { return false }
        return !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains(self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
