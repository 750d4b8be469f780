import PicketCore

/// A question the status server asks the controller loop, which alone reads the core.
enum StatusQuery: Sendable {
    /// The loop is alive and answering; with whether the first round is done and a file applied.
    case readiness
    case apps
    case app(AppName)
    case backend(BackendID)
    /// Picket's own state and every app, for the dashboard.
    case overview
}

enum StatusAnswer: Sendable {
    case readiness(ready: Bool, reason: String)
    case apps([AppSummary])
    case app(AppDocument)
    case backend(BackendDocument)
    case overview(OverviewDocument)
    case notFound(String)
}

/// What an operator asks of one backend through the API.
enum OperatorAction: String, Sendable, CaseIterable {
    case drain, undrain, reset
}

enum OperatorAnswer: Sendable {
    case done(BackendDocument)
    case notFound(String)
    case conflict(String)
}
