import Foundation
import Logging
import NIOHTTP1
import PicketConfig
import PicketCore
import PicketFleet
import PicketStore

/// Maps status API requests to answers. Reads go to the controller loop as queries; operator actions
/// need the bearer token (401 without one, 403 with a wrong one), are audit-logged, and go through the
/// core like any other event. Errors are JSON: 404 unknown app or backend, 400 bad parameters, 405
/// wrong method.
struct StatusRouter: Sendable {
    let token: String?
    let metrics: PicketMetrics
    let logger: Logger
    /// Followers of `GET /v1/events`.
    let events: EventHub
    /// Reports are read straight from the state database (WAL lets reads run beside the writer); it
    /// may open after start.
    let store: @Sendable () -> (any StateReading)?
    /// Every node's view of every backend, with a fleet's database.
    let fleet: FleetStore?
    /// Asks the controller loop; nil when it did not answer in time.
    let ask: @Sendable (StatusQuery) async -> StatusAnswer?
    let command: @Sendable (OperatorAction, BackendID) async -> OperatorAnswer?
    /// Refused operator requests are logged like the accepted ones, but at most one line per period.
    var refusals = LogThrottle(period: .seconds(10))

    func respond(_ request: StatusRequest) async -> StatusResponse {
        if request.bodyTooLarge { return error(.payloadTooLarge, "the request body is over 64 KiB") }
        let path = String(request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let get = request.method == .GET
        switch (parts.count, parts.first) {
        case (0, _), (1, "dashboard.css"), (1, "dashboard.js"):
            guard get else { return methodNotAllowed("GET") }
            return Dashboard.asset(parts.first ?? "")
        case (2, "v1") where parts[1] == "events":
            guard get else { return methodNotAllowed("GET") }
            return stream(request)
        case (2, "v1") where parts[1] == "fleet":
            guard get else { return methodNotAllowed("GET") }
            guard let fleet else { return error(.notFound, "not in a fleet: GET /v1/fleet needs a PostgreSQL state.url") }
            do {
                return json(.ok, try await fleet.views())
            } catch {
                return self.error(.serviceUnavailable, error.description)
            }
        case (2, "v1") where parts[1] == "overview":
            guard get else { return methodNotAllowed("GET") }
            return await read(.overview)
        case (1, "healthz"):
            guard get else { return methodNotAllowed("GET") }
            guard await ask(.readiness) != nil else { return error(.serviceUnavailable, "the control loop did not answer within 2s") }
            return text(.ok, "ok\n")
        case (1, "readyz"):
            guard get else { return methodNotAllowed("GET") }
            guard case .readiness(let ready, let reason)? = await ask(.readiness) else {
                return error(.serviceUnavailable, "the control loop did not answer within 2s")
            }
            return text(ready ? .ok : .serviceUnavailable, "\(ready ? "ready" : "not ready"): \(reason)\n")
        case (1, "metrics"):
            guard get else { return methodNotAllowed("GET") }
            return StatusResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics.exposition().utf8))
        case (2..., "v1") where parts[1] == "apps":
            return await apps(parts, request)
        default:
            return error(.notFound, "no such endpoint: \(path)")
        }
    }

    /// `/v1/apps`, `/v1/apps/{app}`, `/v1/apps/{app}/backends/{backend}` and its actions.
    private func apps(_ parts: [String], _ request: StatusRequest) async -> StatusResponse {
        let get = request.method == .GET
        if parts.count == 2 {
            return get ? await read(.apps) : methodNotAllowed("GET")
        }
        if parts.count == 3 {
            guard get else { return methodNotAllowed("GET") }
            guard let app = appName(parts[2]) else { return error(.badRequest, "'\(parts[2])' is not a valid app name") }
            return await read(.app(app))
        }
        if parts.count == 4, parts[3] == "report" {
            guard get else { return methodNotAllowed("GET") }
            guard let app = appName(parts[2]) else { return error(.badRequest, "'\(parts[2])' is not a valid app name") }
            return await report(app, query: request.uri)
        }
        guard parts[3] == "backends", parts.count == 5 || parts.count == 6 else { return error(.notFound, "no such endpoint") }
        let id: BackendID
        switch backendID(parts[2], parts[4]) {
        case .success(let parsed): id = parsed
        case .failure(let failure): return failure.response
        }
        if parts.count == 5 {
            return get ? await read(.backend(id)) : methodNotAllowed("GET")
        }
        guard let action = OperatorAction(rawValue: parts[5]) else { return error(.notFound, "no such action '\(parts[5])' (drain, undrain, reset)") }
        guard request.method == .POST else { return methodNotAllowed("POST") }
        if let (denied, reason) = authorize(request) {
            refused(action, on: id, from: request.remote, reason)
            return denied
        }
        return await act(action, on: id, from: request.remote)
    }

    private func read(_ query: StatusQuery) async -> StatusResponse {
        switch await ask(query) {
        case .apps(let apps)?: return json(.ok, ["apps": apps])
        case .app(let app)?: return json(.ok, app)
        case .backend(let backend)?: return json(.ok, backend)
        case .overview(let overview)?: return json(.ok, overview)
        case .notFound(let message)?: return error(.notFound, message)
        case .readiness?, nil: return error(.serviceUnavailable, "the control loop did not answer within 2s")
        }
    }

    /// `GET /v1/events`: the log as Server-Sent Events, from the retained recent events on (or from
    /// after `Last-Event-ID`); 503 when as many clients follow it as the hub admits (`status.max_event_clients`,
    /// fewer under a low open-file limit).
    private func stream(_ request: StatusRequest) -> StatusResponse {
        guard events.maxClients > 0 else { return error(.serviceUnavailable, "the event stream is off (status.max_event_clients: 0)") }
        guard let subscription = events.subscribe(after: request.lastEventID.flatMap { UInt64($0) }) else {
            var response = error(.serviceUnavailable, "\(events.maxClients) clients follow the event stream already (status.max_event_clients, within the open-file limit)")
            response.headers.append(("Retry-After", "10"))
            return response
        }
        return StatusResponse(
            status: .ok, contentType: "text/event-stream; charset=utf-8", body: [], headers: [("Cache-Control", "no-store"), ("X-Accel-Buffering", "no")],
            stream: EventStreamStart(subscription: subscription, hub: events))
    }

    /// `GET /v1/apps/{app}/report?window=24h`: the health report over the window (default 24h).
    private func report(_ app: AppName, query uri: String) async -> StatusResponse {
        let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var window = Duration.seconds(86_400)
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.first == "window" else { return error(.badRequest, "unknown parameter '\(kv.first ?? "")' (only window)") }
            guard kv.count == 2, let parsed = DurationText.parse(kv[1].removingPercentEncoding ?? kv[1]), parsed > .zero else {
                return error(.badRequest, "window: expected a duration such as 1h or 24h")
            }
            window = parsed
        }
        guard case .app? = await ask(.app(app)) else { return error(.notFound, "no app '\(app)'") }
        guard let store = store() else { return error(.serviceUnavailable, "no state database: reports need state.enabled (and a database that opens)") }
        let until = Date().timeIntervalSince1970
        do {
            return json(.ok, try await store.report(app: app.description, since: until - Double(window.components.seconds), until: until))
        } catch {
            return self.error(.serviceUnavailable, error.description)
        }
    }

    private func act(_ action: OperatorAction, on id: BackendID, from remote: String) async -> StatusResponse {
        let answer = await command(action, id)
        let outcome: String
        let response: StatusResponse
        switch answer {
        case .done(let backend)?:
            outcome = "done"
            response = json(.ok, backend)
        case .notFound(let message)?:
            outcome = "refused: \(message)"
            response = error(.notFound, message)
        case .conflict(let message)?:
            outcome = "refused: \(message)"
            response = error(.conflict, message)
        case nil:
            outcome = "no answer from the control loop"
            response = error(.serviceUnavailable, "the control loop did not answer within 2s")
        }
        logger.notice("audit: \(action.rawValue) \(id) from \(remote): \(outcome)",
            metadata: ["event": "audit", "action": "\(action.rawValue)", "app": "\(id.app)", "backend": "\(id.address)", "remote": "\(remote)"])
        return response
    }

    /// The refusal and its reason, or nil when the token is right.
    private func authorize(_ request: StatusRequest) -> (StatusResponse, AuthFailure)? {
        guard let token else {
            return (error(.forbidden, "operator actions are disabled: set status.token or PICKET_STATUS_TOKEN"), .disabled)
        }
        guard let header = request.authorization, header.hasPrefix("Bearer ") else {
            var response = error(.unauthorized, "this action needs 'Authorization: Bearer <token>'")
            response.headers.append(("WWW-Authenticate", "Bearer"))
            return (response, .missing)
        }
        let given = Array(header.dropFirst(7).utf8), expected = Array(token.utf8)
        var difference = given.count == expected.count ? 0 : 1
        for (a, b) in zip(given, expected) { difference |= Int(a ^ b) }
        return difference == 0 ? nil : (error(.forbidden, "wrong token"), .wrong)
    }

    private func refused(_ action: OperatorAction, on id: BackendID, from remote: String, _ reason: AuthFailure) {
        metrics.statusAuthFailure(reason)
        guard let held = refusals.admit() else { return }
        let more = held > 0 ? " (\(held) more refused since the last such line)" : ""
        logger.warning("audit: \(action.rawValue) \(id) from \(remote): refused, \(reason.rawValue) token\(more)",
            metadata: ["event": "audit_refused", "action": "\(action.rawValue)", "remote": "\(remote)", "reason": "\(reason.rawValue)"])
    }

    private func appName(_ text: String) -> AppName? { try? AppName(validating: text) }

    private func backendID(_ appText: String, _ addressText: String) -> Result<BackendID, ErrorResponse> {
        guard let app = appName(appText) else { return .failure(ErrorResponse(error(.badRequest, "'\(appText)' is not a valid app name"))) }
        do {
            return .success(BackendID(app: app, address: try ServerAddress(validating: addressText)))
        } catch {
            return .failure(ErrorResponse(self.error(.badRequest, "backend: \(error.description)")))
        }
    }

    private func json<T: Encodable>(_ status: HTTPResponseStatus, _ value: T) -> StatusResponse {
        StatusResponse(status: status, contentType: "application/json", body: StatusJSON.encode(value))
    }

    private func text(_ status: HTTPResponseStatus, _ body: String) -> StatusResponse {
        StatusResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
    }

    private func error(_ status: HTTPResponseStatus, _ message: String) -> StatusResponse {
        json(status, ErrorDocument(error: .init(status: Int(status.code), message: message)))
    }

    private func methodNotAllowed(_ allowed: String) -> StatusResponse {
        var response = error(.methodNotAllowed, "use \(allowed) here")
        response.headers.append(("Allow", allowed))
        return response
    }
}

/// A response that ends a request early, carried through `Result`.
struct ErrorResponse: Error {
    let response: StatusResponse
    init(_ response: StatusResponse) { self.response = response }
}
