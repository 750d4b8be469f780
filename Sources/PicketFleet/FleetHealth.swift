import Logging
import NIOConcurrencyHelpers

/// Whether the fleet's database answers, as every session last found it. The outage is logged once
/// when it starts and once when it ends, however many writes, polls and renewals fail in between.
public final class FleetHealth: Sendable {
    private let failure = NIOLockedValueBox<String?>(nil)
    /// Set at shutdown: calls cut short by closing the sessions are not an outage.
    private let closed = NIOLockedValueBox(false)
    private let logger: Logger
    private let url: String
    private let onChange: @Sendable (Bool) -> Void

    init(url: String, logger: Logger, onChange: @escaping @Sendable (Bool) -> Void) {
        self.url = url
        self.logger = logger
        self.onChange = onChange
    }

    /// Why the database is failing, or nil while it answers.
    public var currentFailure: String? { failure.withLockedValue { $0 } }

    func succeeded() {
        let was = failure.withLockedValue { old in defer { old = nil }; return old }
        guard was != nil else { return }
        logger.notice("fleet database \(url) answers again; writes, operator actions and leases resume", metadata: ["event": "fleet_database_recovered"])
        onChange(true)
    }

    func close() {
        closed.withLockedValue { $0 = true }
    }

    func failed(_ error: Error) {
        guard !closed.withLockedValue({ $0 }) else { return }
        let text = words(for: error)
        let first = failure.withLockedValue { old in defer { old = old ?? text }; return old == nil }
        guard first else { return }
        logger.error(
            "fleet database \(url) unreachable (\(text)): nginx keeps following this node's checks from memory; no Docker action until this node can prove it holds the engine's lease",
            metadata: ["event": "fleet_database_down"])
        onChange(false)
    }
}
