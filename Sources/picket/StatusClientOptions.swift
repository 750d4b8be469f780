import ArgumentParser
import Foundation
import NIOHTTP1
import NIOPosix
import PicketHTTPClient

/// Where the running Picket's status server is, and the token its operator actions need.
struct StatusClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The status server (env PICKET_STATUS_URL).", valueName: "url"))
    var url: String = ProcessInfo.processInfo.environment["PICKET_STATUS_URL"] ?? "http://127.0.0.1:9180"

    @Option(help: ArgumentHelp("Bearer token for drain, undrain and reset (env PICKET_STATUS_TOKEN).", valueName: "token"))
    var token: String?

    /// Sends one request and returns the status and the body; a connection failure exits 1 with a
    /// message naming the URL.
    func send(_ method: HTTPMethod, _ path: String) async throws -> HTTPResponse {
        guard let endpoint = Self.endpoint(url) else { try fail(["--url: expected http://HOST:PORT, got '\(url)'"]) }
        let transport = HTTPTransport(endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton, host: "\(endpoint)")
        let bearer = token ?? ProcessInfo.processInfo.environment["PICKET_STATUS_TOKEN"]
        do {
            return try await transport.send(method, path, headers: bearer.map { [("Authorization", "Bearer \($0)")] } ?? [], timeout: .seconds(10))
        } catch HTTPTransportError.unreachable(_, let reason) {
            try fail(["no Picket answers at \(url) (\(reason)): is it running, and does its status.listen match --url or PICKET_STATUS_URL?"])
        } catch {
            try fail(["no answer from Picket at \(url): \(error)"])
        }
    }

    static func endpoint(_ url: String) -> HTTPTransport.Endpoint? {
        guard let parsed = URL(string: url), parsed.scheme == "http", let host = parsed.host else { return nil }
        return .tcp(host: host, port: parsed.port ?? 80)
    }
}

/// The path segment of a backend address (`unix:/run/x.sock` needs its slashes escaped).
func segment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:[]"))) ?? text
}

/// Decodes a JSON answer, or prints the API's error message and exits 1.
func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    guard (200..<300).contains(response.status) else {
        let message = (try? decoder.decode(APIError.self, from: Data(response.body)).error.message) ?? response.text
        try fail(["picket answered \(response.status): \(message)"])
    }
    do {
        return try decoder.decode(type, from: Data(response.body))
    } catch {
        try fail(["unexpected answer from picket: \(error)"])
    }
}

/// The status API's error body.
private struct APIError: Decodable {
    struct Detail: Decodable {
        let status: Int
        let message: String
    }

    let error: Detail
}
