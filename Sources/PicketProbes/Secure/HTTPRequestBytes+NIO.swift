import NIOCore
import NIOHTTP1
import PicketCore

extension HTTPRequestBytes {
    /// The same request as `make` makes, as NIOHTTP1's parts: the HTTPS check sends it through
    /// `HTTPRequestEncoder`, so that the response decoder knows a HEAD request's answer has no body.
    static func parts(_ check: HTTPCheck, host: String) -> [HTTPClientRequestPart] {
        let headers = HTTPHeaders(fields(check, host: host).map { ($0.name, $0.value) })
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: check.method), uri: check.path, headers: headers)
        return [.head(head)] + (check.body.map { [.body(.byteBuffer(ByteBuffer(string: $0)))] } ?? []) + [.end(nil)]
    }
}
