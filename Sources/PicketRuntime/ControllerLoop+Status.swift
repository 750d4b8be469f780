import Foundation
import PicketCore

/// The loop's answers to the status server: documents built from the core, and operator actions
/// carried out through the core like any other event.
extension ControllerLoop {
    func answer(_ query: StatusQuery, now: Instant) -> StatusAnswer {
        switch query {
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
            let backends = core.backends.filter { $0.id.app == name }.map { document(for: $0, now: now) }
            return .app(AppDocument(
                name: name.description, balance: app.balance.description, whenAllDown: app.whenAllDown.rawValue, docker: app.docker != nil,
                backends: backends))
        case .backend(let id):
            guard core.apps.contains(where: { $0.name == id.app }) else { return .notFound("no app '\(id.app)'") }
            guard let backend = core.backends.first(where: { $0.id == id }) else { return .notFound("no backend '\(id.address)' in app '\(id.app)'") }
            return .backend(document(for: backend, now: now))
        }
    }

    mutating func execute(_ action: OperatorAction, on id: BackendID, now: Instant) -> OperatorAnswer {
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

    private func document(for backend: BackendSnapshot, now: Instant) -> BackendDocument {
        let traffic = outlets.passive?.traffic(backend.id)
        return BackendDocument(
            backend, why: Why.text(backend, now: now) + (traffic.map { "; live traffic: \(Why.traffic($0))" } ?? ""),
            checks: recentChecks.documents(for: backend.id), traffic: traffic, now: now)
    }
}
