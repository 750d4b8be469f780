import PicketCore
import Yams

/// Reads a `health_check:` mapping into a `HealthCheckSpec`, checking every field and their relations.
struct HealthCheckDecoder {
    static let methods = ["GET", "HEAD", "POST", "PUT"]

    let reader: NodeReader
    /// Relative TLS file paths are taken from here (the config file's directory).
    let baseDirectory: String

    /// `own`: the app's own `health_check:` (without `defaults:`). A key that does not apply to the
    /// check's type is an error where the app writes it; from `defaults:` (shared by apps of every
    /// type) it is left out. A stream app's backends speak whatever protocol nginx relays at layer 4,
    /// so its check is a TCP connect (or exchange) unless it says otherwise, and an HTTP check is refused.
    func decode(_ node: Node?, _ path: String, own: Node?, context: NginxContext = .http) -> HealthCheckSpec {
        var spec = HealthCheckSpec()
        if context == .stream { spec.kind = .tcp(TCPCheck()) }
        guard let section = reader.section(node, path, HealthCheckKeys.section) else { return spec }
        let type = reader.choice(section, HealthCheckKeys.type).flatMap(CheckType.init(rawValue:)) ?? (context == .stream ? .tcp : .http)
        if context == .stream, type == .http || type == .https {
            reader.report(section[HealthCheckKeys.type], section.path("type"),
                "a stream app is checked with type: tcp or grpc (or enabled: false): nginx relays its connections at layer 4, not HTTP requests")
        }
        if let value = reader.bool(section, HealthCheckKeys.enabled) { spec.enabled = value }
        if let value = reader.int(section, HealthCheckKeys.port) { spec.port = value }
        if let value = reader.duration(section, HealthCheckKeys.initialDelay) { spec.initialDelay = value }
        if let value = reader.duration(section, HealthCheckKeys.interval) { spec.interval = value }
        if let value = reader.duration(section, HealthCheckKeys.fastInterval) { spec.fastInterval = value }
        if let value = reader.duration(section, HealthCheckKeys.downInterval) { spec.downInterval = value }
        if let value = reader.duration(section, HealthCheckKeys.timeout) { spec.timeout = value }
        if let value = reader.int(section, HealthCheckKeys.failureThreshold) { spec.failureThreshold = value }
        if let value = reader.int(section, HealthCheckKeys.successThreshold) { spec.successThreshold = value }
        if let value = reader.int(section, HealthCheckKeys.maxRetries) { spec.maxRetries = value }
        if let value = reader.duration(section, HealthCheckKeys.maxResponseTime) { spec.maxResponseTime = value }
        if let value = reader.double(section, HealthCheckKeys.jitter) { spec.jitter = value }
        if section[HealthCheckKeys.fastInterval] != nil, spec.fastInterval > spec.interval {
            reader.report(section[HealthCheckKeys.fastInterval], section.path("fast_interval"),
                "the fast interval (\(spec.fastInterval.shortDescription)) must not exceed the interval (\(spec.interval.shortDescription))")
        }
        if let value = reader.bool(section, HealthCheckKeys.reuseConnection) { spec.reuseConnection = value }
        if let value = reader.int(section, HealthCheckKeys.maxChecksPerConnection) { spec.maxChecksPerConnection = value }
        if section[HealthCheckKeys.timeout] == nil {
            spec.timeout = min(spec.timeout, spec.interval)
        } else if spec.timeout > spec.interval {
            reader.report(section[HealthCheckKeys.timeout], section.path("timeout"),
                "the timeout (\(spec.timeout.shortDescription)) must not exceed the interval (\(spec.interval.shortDescription))")
        }
        for (key, types) in HealthCheckKeys.typeSpecific where own?.mapping?[Node(key.name)] != nil && !types.contains(type) {
            reader.report(section[key], section.path(key.name), "only applies to type: \(types.map(\.rawValue).joined(separator: ", "))")
        }
        switch type {
        case .http, .https: spec.kind = .http(decodeHTTP(section))
        case .tcp: spec.kind = .tcp(decodeTCP(section))
        case .grpc: spec.kind = .grpc(decodeGRPC(section))
        }
        let tls = TLSDecoder(reader: reader, baseDirectory: baseDirectory).decode(section)
        if type.allowsTLS { spec.tls = tls ?? (type == .https ? TLSSpec() : nil) }
        return spec
    }

    private func decodeGRPC(_ section: Section) -> GRPCCheck {
        var check = GRPCCheck()
        if let service = reader.string(section, HealthCheckKeys.grpcService, nonEmpty: false) { check.service = service }
        if let headers = section[HealthCheckKeys.headers] {
            check.metadata = reader.headers(headers, section.path("headers"))
        }
        return check
    }

    private func decodeHTTP(_ section: Section) -> HTTPCheck {
        var check = HTTPCheck()
        if let method = reader.choice(section, HealthCheckKeys.method) { check.method = method }
        if let path = reader.string(section, HealthCheckKeys.path) {
            if HTTPCheck.isValidPath(path) {
                check.path = path
            } else {
                reader.report(section[HealthCheckKeys.path], section.path("path"), "must start with '/' and hold no spaces or control characters")
            }
        }
        if let headers = section[HealthCheckKeys.headers] {
            check.headers = reader.headers(headers, section.path("headers"))
        }
        check.body = reader.string(section, HealthCheckKeys.body, nonEmpty: false)
        check.expectedBody = reader.string(section, HealthCheckKeys.expectedBody)
        if let codes = section[HealthCheckKeys.expectedStatusCodes] {
            check.expectedStatus = decodeStatusCodes(codes, section.path("expected_status_codes")) ?? check.expectedStatus
        }
        return check
    }

    private func decodeTCP(_ section: Section) -> TCPCheck {
        TCPCheck(
            probeData: reader.string(section, HealthCheckKeys.probeData),
            expectedResponse: reader.string(section, HealthCheckKeys.expectedResponse))
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

extension Substring {
    fileprivate func trimmingCharacters() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
