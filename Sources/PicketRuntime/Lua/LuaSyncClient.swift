import Foundation
import NIOCore
import NIOHTTP1
import PicketCore
import PicketHTTPClient

/// Talks to the sync location of nginx/lua-sync.conf over its unix socket, proving itself with the
/// shared secret (read at each request, so a rotated secret takes effect without a restart).
struct LuaSyncClient: Sendable {
    static let target = "/picket/sync"
    static let timeout = Duration.seconds(2)

    let settings: LuaSyncSettings
    let group: EventLoopGroup

    /// Why a push or a check did not go through, in an operator's words.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The generation nginx holds; empty when its dict is empty (nginx started since the last push).
    func heldGeneration() async throws(Failure) -> String {
        let response = try await send(.GET, body: nil)
        let decoded = try? JSONDecoder().decode(Held.self, from: Data(response.body))
        guard let generation = decoded?.generation else { throw Failure(description: "the sync endpoint answered without a generation") }
        return generation
    }

    /// Replaces the set nginx holds with `document`.
    func push(_ document: LuaDocument) async throws(Failure) {
        _ = try await send(.POST, body: Array(document.json.utf8))
    }

    private struct Held: Decodable {
        let generation: String
    }

    private func send(_ method: HTTPMethod, body: [UInt8]?) async throws(Failure) -> HTTPResponse {
        let secret: String
        do {
            secret = try String(contentsOfFile: settings.secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw Failure(description: "cannot read nginx.lua.secret_file \(settings.secretFile): \(error.localizedDescription)")
        }
        let transport = HTTPTransport(endpoint: .unix(path: settings.socket), group: group, host: "picket")
        let response: HTTPResponse
        do {
            response = try await transport.send(method, Self.target, body: body, headers: [("X-Picket-Token", secret)], timeout: Self.timeout)
        } catch {
            throw Failure(description: error.description)
        }
        guard response.status == 200 else {
            throw Failure(description: "the sync endpoint answered \(response.status): \(response.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return response
    }
}
