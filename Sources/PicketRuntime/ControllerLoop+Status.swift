import Foundation
import PicketCore

/// The loop's answers to the status server: documents built from the core, and operator actions
/// carried out through the core like any other event.
extension ControllerLoop {
    func answer(_ query: StatusQuery, now: Instant) -> StatusAnswer {
        switch query {
        case .overview:
            return overview(now: now)
        case .readiness:
            return readinessAnswer(now: now)
        case .apps:
            let backends = core.backends
            return .apps(core.apps.map { app in
                let own = backends.filter { $0.id.app == app.name }
                return AppSummary(name: app.name.description, backends: own.count, inRotation: own.filter(\.inRotation).count, docker: app.docker != nil)
            })
        case .app(let name):
            guard let app = core.apps.first(where: { $0.name == name }) else { return .notFound("no app '\(name)'") }
            return .app(document(for: app, backends: core.backends, now: now))
        case .backend(let id):
            guard core.apps.contains(where: { $0.name == id.app }) else { return .notFound("no app '\(id.app)'") }
            guard let backend = core.backends.first(where: { $0.id == id }) else { return .notFound("no backend '\(id.address)' in app '\(id.app)'") }
            return .backend(document(for: backend, now: now))
        }
    }

    /// The dashboard's document: every backend with only its last check, so that a page that asks
    /// every few seconds costs little even with thousands of backends.
    func overview(now: Instant) -> StatusAnswer {
        guard case .readiness(let ready, let reason) = readinessAnswer(now: now) else { preconditionFailure() }
        let date = Date()
        let backends = core.backends
        return .overview(OverviewDocument(
            version: PicketVersion.current, startedAt: activity.startedAt.iso8601,
            uptimeSeconds: (date.timeIntervalSince(activity.startedAt) * 10).rounded() / 10, ready: ready, readiness: reason,
            lastApply: activity.lastApply.map { ApplyDocument($0.outcome, at: $0.at, now: date) }, reloads: activity.reloads,
            checksPerSecond: (activity.checksPerSecond(at: now) * 10).rounded() / 10, eventClients: outlets.events.clientCount,
            apps: core.apps.map { document(for: $0, backends: backends, now: now, checks: 1) }))
    }

    func execute(_ action: OperatorAction, on id: BackendID, now: Instant) -> OperatorAnswer {
        do {
            let effects: [Effect]
            switch action {
            case .drain: effects = try core.setOperatorDrain(id, drained: true, now: now)
            case .undrain: effects = try core.setOperatorDrain(id, drained: false, now: now)
            case .reset: effects = try core.resetRecovery(id, now: now)
            }
            perform(effects)
        } catch {
            switch error {
            case .unknownBackend: return .notFound(error.description)
            case .notQuarantined: return .conflict(error.description)
            }
        }
        guard let backend = core.backends.first(where: { $0.id == id }) else { return .notFound("no backend \(id)") }
        return .done(document(for: backend, now: now))
    }

    private func document(for app: AppSpec, backends: [BackendSnapshot], now: Instant, checks: Int = RecentChecks.kept) -> AppDocument {
        AppDocument(
            name: app.name.description, context: app.context.rawValue, balance: app.balance.description, whenAllDown: app.whenAllDown.rawValue, docker: app.docker != nil,
            backends: backends.filter { $0.id.app == app.name }.map { document(for: $0, now: now, checks: checks) })
    }

    private func document(for backend: BackendSnapshot, now: Instant, checks: Int = RecentChecks.kept) -> BackendDocument {
        let traffic = outlets.passive?.traffic(backend.id)
        let certificate = certificates.expiry(of: backend.id).map { CertificateDocument(expiry: $0, now: Date()) }
        let why = Why.text(backend, now: now) + (certificate.map { "; \(Why.certificate($0))" } ?? "")
            + (traffic.map { "; live traffic: \(Why.traffic($0))" } ?? "")
        return BackendDocument(
            backend, why: why, checks: recentChecks.documents(for: backend.id, slot: backend.slot, limit: checks), traffic: traffic, certificate: certificate, now: now)
    }
}
