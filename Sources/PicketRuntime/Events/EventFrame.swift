import PicketConfig

/// Server-Sent Events framing (the `text/event-stream` format of the HTML standard): each event is
/// `id`, `event` and one `data` line, then a blank line; a line starting with `:` is a comment.
enum EventFrame {
    static func event(id: UInt64, name: String, data: String) -> [UInt8] {
        Array("id: \(id)\nevent: \(name)\ndata: \(data)\n\n".utf8)
    }

    /// Without an id, so a client's `Last-Event-ID` still names the last event it really got.
    static func dropped(_ count: Int) -> [UInt8] {
        let message = JSONValue.quote(
            "\(count) event\(count == 1 ? " was" : "s were") dropped: this client did not keep up; read the current state again to catch up")
        let data = #"{"dropped":\#(count),"event":"dropped","level":"warning","msg":\#(message),"ts":"\#(PicketLogHandler.timestamp())"}"#
        return Array("event: dropped\ndata: \(data)\n\n".utf8)
    }

    /// How long a browser's `EventSource` waits before it reconnects.
    static let retry = Array("retry: 2000\n\n".utf8)

    /// Keeps proxies from timing out an idle stream, and finds connections that are gone.
    static let keepalive = Array(": keepalive\n\n".utf8)
}
