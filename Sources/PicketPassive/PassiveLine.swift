import PicketCore

/// One access-log datagram nginx sent for one request, in the fixed `picket_passive` format of
/// `nginx/passive.conf`: after the syslog header, `picket1` and tab-separated fields (`$msec`,
/// `$proxy_host`, `$upstream_addr`, `$upstream_status`, `$upstream_connect_time`,
/// `$upstream_header_time`, `$upstream_response_time`, `$status`, `$request_time`).
///
/// Tabs separate fields because nginx's `escape=json` escapes any tab inside a value, so a value can
/// never split a line; no JSON needs decoding on this hot path. Each of nginx's attempts (servers
/// separated by `, `, internal redirects by ` : `) becomes one `Attempt`.
public struct PassiveLine: Sendable {
    public struct Attempt: Sendable, Equatable {
        public let address: String
        public let attempt: PassiveAttempt
        /// `$upstream_response_time`, seconds; nil when nginx had none.
        public let responseTime: Double?
    }

    /// Why a datagram was dropped.
    public enum Problem: String, Sendable, Error, CaseIterable {
        /// No `picket1` marker: another format, or not from nginx.
        case notPicketFormat = "not_picket_format"
        case wrongFieldCount = "wrong_field_count"
        /// The per-attempt lists disagree in length, or a value is not what nginx writes.
        case malformed
    }

    public static let marker: [UInt8] = Array("picket1\t".utf8)
    static let fieldCount = 9

    public let upstream: String
    public let attempts: [Attempt]
    /// The client closed the request (`$status` 499) while its last attempt waited for an answer. That
    /// attempt is left out of `attempts`: nginx logs it with no upstream status, which would read as a
    /// failure of a server that did nothing wrong (a load generator stopping, users navigating away).
    /// Envoy does not count client cancellations either; a server too slow to answer still fails by
    /// nginx's own `proxy_read_timeout` (a 504).
    public let clientClosed: Bool

    /// Parses one datagram.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Problem) -> PassiveLine {
        let data = Array(bytes)
        guard let start = find(marker, in: data) else { throw .notPicketFormat }
        var fields = data[(start + marker.count)...].split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
        if let last = fields.last, last.last == UInt8(ascii: "\n") { fields[fields.count - 1] = last.dropLast() }
        guard fields.count == fieldCount else { throw .wrongFieldCount }
        guard let msec = Double(text(fields[0])), msec.isFinite, msec >= 0 else { throw .malformed }
        let upstream = text(fields[1])
        let addresses = list(fields[2]), statuses = list(fields[3]), connects = list(fields[4]), responses = list(fields[6])
        guard !upstream.isEmpty, !addresses.isEmpty, addresses.count == statuses.count, addresses.count == connects.count,
            addresses.count == responses.count
        else { throw .malformed }
        var attempts: [Attempt] = []
        attempts.reserveCapacity(addresses.count)
        for index in addresses.indices {
            let statusText = statuses[index], connectText = connects[index], responseText = responses[index]
            let status = statusText == "-" ? nil : Int(statusText)
            guard statusText == "-" || status.map({ (100...599).contains($0) }) == true else { throw .malformed }
            let connect = seconds(connectText), response = seconds(responseText)
            guard connectText == "-" || connect != nil, responseText == "-" || response != nil else { throw .malformed }
            attempts.append(Attempt(
                address: addresses[index], attempt: PassiveAttempt(status: status, connectFailed: connectText == "-", loggedAt: msec),
                responseTime: response))
        }
        let clientClosed = text(fields[7]) == "499" && attempts.last?.attempt.status == nil
        if clientClosed { attempts.removeLast() }
        return PassiveLine(upstream: upstream, attempts: attempts, clientClosed: clientClosed)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        }
        return nil
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A `$upstream_*` list: attempts separated by `, `, redirects by ` : `, in order.
    private static func list(_ bytes: ArraySlice<UInt8>) -> [String] {
        text(bytes).split(separator: " : ").flatMap { $0.split(separator: ", ") }.map { $0.trimmingSpaces }
    }

    private static func seconds(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite, value >= 0, value < 86_400 else { return nil }
        return value
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
