import NIOCore
import NIOHTTP1
import PicketCore

extension HTTPRequestBytes {
    /// The same request as `write` makes, as NIOHTTP1's parts: the HTTPS check sends it through
    /// `HTTPRequestEncoder`, so that the response decoder knows a HEAD request's answer has no body.
    static func parts(_ check: HTTPCheck, host: String) -> [HTTPClientRequestPart] {
        var headers = HTTPHeaders()
        if !overridden("host", check) { headers.add(name: "Host", value: host) }
        if !overridden("user-agent", check) { headers.add(name: "User-Agent", value: "picket") }
        for field in check.headers where !(check.body != nil && field.name.lowercased() == "content-length") {
            headers.add(name: field.name, value: field.value)
        }
        if let body = check.body { headers.add(name: "Content-Length", value: String(body.utf8.count)) }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: check.method), uri: check.path, headers: headers)
        return [.head(head)] + (check.body.map { [.body(.byteBuffer(ByteBuffer(string: $0)))] } ?? []) + [.end(nil)]
    }
}
