/// The bytes of an HTTP check's request: `METHOD path HTTP/1.1`, then `Host` and `User-Agent: picket`;
/// the check's own headers replace these by name.
///
/// No `Connection: close`, even on a connection used for one check: the check ends where the response
/// ends and Picket then closes with a reset, so asking the server to close first buys little, and a
/// response that announces the close leaves llhttp unable to take another, so the reader's parser would
/// be reset after every check. Measured A/B while the reader was NIO's decoder (renewed after a close):
/// 3-7 µs less system time, 8-12 µs more user time per fresh-connection check (BENCHMARKS.md); not
/// measured again since the reader drives llhttp itself.
///
/// Pure: the bytes follow from the check and the target alone, so each backend's are made once per
/// config, with its `ProbeSubject`, rather than for every probe.
public enum HTTPRequestBytes {
    public static func make(_ check: HTTPCheck, host: String) -> [UInt8] {
        var bytes: [UInt8] = []
        append(check.method, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        append(check.path, to: &bytes)
        append(" HTTP/1.1\r\n", to: &bytes)
        for field in fields(check, host: host) { header(field.name, field.value, to: &bytes) }
        append("\r\n", to: &bytes)
        if let body = check.body { append(body, to: &bytes) }
        return bytes
    }

    /// The request's header fields, in order: what both the plain path (`make`) and the HTTPS path
    /// (NIOHTTP1's parts) send.
    public static func fields(_ check: HTTPCheck, host: String) -> [HeaderField] {
        var fields: [HeaderField] = []
        if !overridden("host", check) { fields.append(HeaderField(name: "Host", value: host)) }
        if !overridden("user-agent", check) { fields.append(HeaderField(name: "User-Agent", value: "picket")) }
        fields += check.headers.filter { !(check.body != nil && equalsIgnoringCase($0.name, "content-length")) }
        if let body = check.body { fields.append(HeaderField(name: "Content-Length", value: String(body.utf8.count))) }
        return fields
    }

    private static func header(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        append(name, to: &bytes)
        append(": ", to: &bytes)
        append(value, to: &bytes)
        append("\r\n", to: &bytes)
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private static func overridden(_ lowercaseName: String, _ check: HTTPCheck) -> Bool {
        check.headers.contains { equalsIgnoringCase($0.name, lowercaseName) }
    }

    private static func equalsIgnoringCase(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count
            && zip(name.utf8, lowercase.utf8).allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0) == $1 }
    }
}
