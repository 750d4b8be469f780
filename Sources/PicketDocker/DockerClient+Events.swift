import Foundation
import PicketCore
import PicketHTTPClient

extension DockerClient {
    /// The container actions that can change what discovery would find.
    static let watchedActions = ["start", "die", "stop", "kill", "oom", "health_status", "pause", "unpause", "destroy", "rename", "create"]

    /// Follows `/events` for containers and calls `onEvent` with each event's action; returns when the
    /// engine ends the stream, throws when it breaks.
    public func followContainerEvents(onEvent: @escaping @Sendable (String) -> Void) async throws {
        struct Event: Decodable { let Action: String? }
        let prefix = try await negotiatedPrefix()
        let filters = ["type": ["container"], "event": Self.watchedActions]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: filters, options: [.sortedKeys]), as: UTF8.self)
        do {
            try await transport.stream(prefix + "/events?filters=" + percentEncoded(json), connectTimeout: .seconds(5)) { line in
                let action = (try? JSONDecoder().decode(Event.self, from: Data(line)))?.Action ?? "unknown"
                onEvent(action)
            }
        } catch {
            throw DockerError(error)
        }
    }
}
