import Logging

/// A log handler that publishes every line naming an `event` (all of Picket's do) to the event stream,
/// as the JSON log format writes it: the stream carries the same facts as the log, in the same words,
/// because it is the log. It takes `info` and above whatever level the log itself is written at.
struct EventTap: LogHandler {
    let hub: EventHub
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        guard let name = merged["event"]?.description, !name.isEmpty else { return }
        let data = PicketLogHandler.jsonLine(stamp: PicketLogHandler.timestamp(), level: event.level, message: event.message.description, metadata: merged)
        hub.publish(name: name, data: data)
    }
}

extension Logger {
    /// This logger, with every line also sent to the event stream.
    func tapped(by hub: EventHub) -> Logger {
        let handlers: [LogHandler] = [handler, EventTap(hub: hub)]
        return Logger(label: label) { _ in MultiplexLogHandler(handlers) }
    }
}
