import Logging
import PicketConfig
import PicketCore

/// Opens the state database again, with backoff, when it could not be opened at start (locked by
/// another process, a volume not mounted yet), and hands it over once it opens. Until then Picket runs
/// from memory, as `/readyz` says.
enum PersistenceRetry {
    static let backoff = Backoff(base: .seconds(2), cap: .seconds(300), jitter: 0.1)

    static func run(_ settings: StateSettings, logger: Logger, metrics: PicketMetrics, seed: UInt64, opened: @Sendable (Persistence) -> Void) async {
        var random = RandomSource(seed: seed)
        var attempt = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: backoff.delay(attempt: attempt, random: &random))
            guard !Task.isCancelled else { return }
            if case .success(let persistence)? = Persistence.open(settings, logger: logger, metrics: metrics) {
                opened(persistence)
                return
            }
            attempt += 1
        }
    }
}
