import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import PicketHTTPClient
import PicketTestSupport

/// A client of `GET /v1/events` that keeps every event it reads, with when it read it.
final class EventStreamClient: Sendable {
    struct Event: Sendable {
        let id: UInt64?
        let name: String
        let data: String
        let receivedAt: Date

        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:] }
    }

    private let state = NIOLockedValueBox<(events: [Event], id: UInt64?, name: String, lastID: UInt64)>(([], nil, "message", 0))
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// Follows the stream until stopped and, as a browser's EventSource does, connects again when a
    /// connection fails or ends (a loaded machine can miss the first connect); events replayed on a new
    /// connection (ids already read) are not kept twice.
    init(port: Int) {
        let transport = HTTPTransport(endpoint: .tcp(host: "127.0.0.1", port: port), group: MultiThreadedEventLoopGroup.singleton)
        let state = state
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    try? await transport.stream("/v1/events", connectTimeout: .seconds(5)) { bytes in
                        // Blank lines do not reach here: each event's single data line ends it.
                        let line = String(decoding: bytes, as: UTF8.self)
                        state.withLockedValue { state in
                            if line.hasPrefix("id: ") {
                                state.id = UInt64(line.dropFirst(4))
                            } else if line.hasPrefix("event: ") {
                                state.name = String(line.dropFirst(7))
                            } else if line.hasPrefix("data: ") {
                                if let id = state.id {
                                    if id > state.lastID {
                                        state.lastID = id
                                        state.events.append(Event(id: id, name: state.name, data: String(line.dropFirst(6)), receivedAt: Date()))
                                    }
                                } else {
                                    state.events.append(Event(id: nil, name: state.name, data: String(line.dropFirst(6)), receivedAt: Date()))
                                }
                                (state.id, state.name) = (nil, "message")
                            }
                        }
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }

    var events: [Event] { state.withLockedValue { $0.events } }

    func first(_ name: String, where matches: ([String: Any]) -> Bool = { _ in true }) -> Event? {
        events.first { $0.name == name && matches($0.object) }
    }

    func stop() {
        task.withLockedValue { $0?.cancel() }
    }
}

/// A client that asks for the event stream and then never reads: a browser tab frozen in the
/// background, a stuck proxy. Its receive buffer is as small as the kernel allows.
final class SilentClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size: Int32 = 1024
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let connected = withLoopback(port) { connect(fd, $0, $1) }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }
}
