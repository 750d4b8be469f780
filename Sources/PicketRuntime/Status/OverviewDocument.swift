import Foundation
import PicketCore

/// `GET /v1/overview`: Picket itself and every app with its backends in one document, what the
/// dashboard shows; built by the controller loop like every other answer.
public struct OverviewDocument: Codable, Sendable {
    public let version: String
    public let startedAt: String
    public let uptimeSeconds: Double
    public let ready: Bool
    public let readiness: String
    public let lastApply: ApplyDocument?
    /// nginx reloads since Picket started.
    public let reloads: Int
    /// Checks finished per second, over the last ten seconds.
    public let checksPerSecond: Double
    public let eventClients: Int
    /// Each backend with its last check only (`/v1/apps/{app}` has the last ten).
    public let apps: [AppDocument]
}

/// The last apply: `applied` (written, nginx reloaded), `unchanged`, `failed` or `rejected` (nginx
/// refused one app's upstream; the others went ahead).
public struct ApplyDocument: Codable, Sendable {
    public let result: String
    public let at: String
    public let ageSeconds: Double
    public let error: String?
    public let app: String?

    init(_ outcome: ApplyOutcome, at date: Date, now: Date) {
        at = date.iso8601
        ageSeconds = (now.timeIntervalSince(date) * 10).rounded() / 10
        switch outcome {
        case .applied: (result, error, app) = ("applied", nil, nil)
        case .unchanged: (result, error, app) = ("unchanged", nil, nil)
        case .failed(let message): (result, error, app) = ("failed", message, nil)
        case .rejected(let rejected, let message): (result, error, app) = ("rejected", message, rejected.description)
        }
    }
}
