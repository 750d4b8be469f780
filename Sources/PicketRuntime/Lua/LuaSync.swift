import Logging
import NIOConcurrencyHelpers
import NIOCore
import PicketCore

/// The shell of `nginx.mode: lua`: pushes the set the loop wants nginx to balance over, and keeps it
/// there. Level-triggered: every `check_interval` it asks nginx which generation it holds and pushes
/// again when that is not the wanted one (an nginx restart empties the dict; a hand-made push replaces
/// it). A failing endpoint is logged once when it starts failing and once when it works again.
final class LuaSync: Sendable {
    private struct State {
        var settings: LuaSyncSettings
        var mode: NginxMode
        /// The document nginx should hold; nil until the loop pushed one.
        var wanted: LuaDocument?
        var failing = false
    }

    private let state: NIOLockedValueBox<State>
    /// One exchange with the endpoint at a time: a check that read the wanted set must not push it over
    /// a newer one a change pushed meanwhile.
    private let gate = SerialGate()
    private let group: EventLoopGroup
    let logger: Logger
    private let metrics: PicketMetrics

    init(settings: NginxSettings, group: EventLoopGroup, logger: Logger, metrics: PicketMetrics) {
        state = NIOLockedValueBox(State(settings: settings.lua, mode: settings.mode))
        self.group = group
        self.logger = logger
        self.metrics = metrics
    }

    /// A reloaded config may move the socket or the secret, or leave lua mode (then nothing is checked).
    func update(_ settings: NginxSettings) {
        state.withLockedValue { state in
            state.settings = settings.lua
            state.mode = settings.mode
            if settings.mode != .lua { state.wanted = nil }
        }
    }

    /// Pushes `document` and keeps it as the wanted set (also when the push fails: the checks keep
    /// trying). `fallback` says what the caller does when it fails, for the one log line.
    func push(_ document: LuaDocument, fallback: String) async -> Result<Void, LuaSyncClient.Failure> {
        let settings = state.withLockedValue { state in
            state.wanted = document
            return state.settings
        }
        await gate.enter()
        defer { gate.leave() }
        return await send(document, client: LuaSyncClient(settings: settings, group: group), fallback: fallback)
    }

    /// Checks every `check_interval` until cancelled.
    func watch() async {
        while !Task.isCancelled {
            let interval = state.withLockedValue { $0.settings.checkInterval }
            try? await Task.sleep(for: interval)
            await gate.enter()
            await check()
            gate.leave()
        }
    }

    /// Pushes the wanted set again when nginx holds another.
    private func check() async {
        let (settings, wanted) = state.withLockedValue { ($0.settings, $0.mode == .lua ? $0.wanted : nil) }
        guard !Task.isCancelled, let wanted else { return }
        let client = LuaSyncClient(settings: settings, group: group)
        do {
            let held = try await client.heldGeneration()
            guard held != wanted.generation else { return }
            let pushed = await send(wanted, client: client, fallback: "checking again in \(settings.checkInterval.shortDescription)")
            if case .success = pushed {
                logger.notice("lua: nginx held generation '\(held)' instead of \(wanted.generation) (restarted, or pushed to by another); pushed the set again",
                    metadata: ["event": "lua_repush", "held": "\(held)", "generation": "\(wanted.generation)"])
            }
        } catch {
            noteFailure(error, fallback: "checking again in \(settings.checkInterval.shortDescription)")
        }
    }

    private func send(_ document: LuaDocument, client: LuaSyncClient, fallback: String) async -> Result<Void, LuaSyncClient.Failure> {
        do {
            try await client.push(document)
        } catch {
            metrics.luaPush(ok: false)
            noteFailure(error, fallback: fallback)
            return .failure(error)
        }
        metrics.luaPush(ok: true)
        let recovered = state.withLockedValue { state in
            defer { state.failing = false }
            return state.failing
        }
        if recovered { logger.notice("lua: the sync endpoint takes pushes again", metadata: ["event": "lua_push_recovered"]) }
        return .success(())
    }

    /// Logs the first failure of a run of them; the rest go to debug.
    private func noteFailure(_ failure: LuaSyncClient.Failure, fallback: String) {
        let first = state.withLockedValue { state in
            defer { state.failing = true }
            return !state.failing
        }
        let level: Logger.Level = first ? .error : .debug
        logger.log(level: level, "lua: push to the sync endpoint failed: \(failure); \(fallback)",
            metadata: ["event": "lua_push_failed", "error": "\(failure)"])
    }
}
