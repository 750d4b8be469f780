import Logging
import NIOConcurrencyHelpers
import PicketCore
import PicketDocker

/// Finds the containers of Docker-backed apps and reports them to the controller loop.
///
/// Level-triggered: a full listing on start, every `resync_interval`, and soon after any container
/// event. Events only make a listing happen sooner; a broken event stream is reconnected with backoff
/// and followed by a listing. When the engine cannot be reached nothing is reported, so the last known
/// containers stay in place until the engine answers again.
final class ContainerDiscovery: Sendable {
    private let client: DockerClient
    private let logger: Logger
    private let report: @Sendable ([AppName: [ContainerObservation]], Instant) -> Void
    private let state: NIOLockedValueBox<State>
    private let pokes: AsyncStream<Void>.Continuation
    private let pokeStream: AsyncStream<Void>

    private struct State {
        var apps: [AppSpec]
        var resyncInterval: Duration
        /// Containers whose labels were rejected, so each is logged once.
        var rejected: Set<String> = []
    }

    init(client: DockerClient, apps: [AppSpec], resyncInterval: Duration, logger: Logger,
         report: @escaping @Sendable ([AppName: [ContainerObservation]], Instant) -> Void) {
        self.client = client
        self.logger = logger
        self.report = report
        state = NIOLockedValueBox(State(apps: apps, resyncInterval: resyncInterval))
        (pokeStream, pokes) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A reloaded config: new selectors take effect at the next listing, which happens now.
    func update(apps: [AppSpec], resyncInterval: Duration) {
        state.withLockedValue {
            $0.apps = apps
            $0.resyncInterval = resyncInterval
        }
        resyncSoon()
    }

    /// Something changed (an event, a Docker action finished): list again without waiting.
    func resyncSoon() {
        pokes.yield()
    }

    /// Lists until cancelled, and follows the event stream beside it.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followEvents() }
            group.addTask { await self.listLoop() }
            await group.waitForAll()
        }
    }

    private func listLoop() async {
        var pokes = pokeStream.makeAsyncIterator()
        while !Task.isCancelled {
            await listOnce()
            let interval = state.withLockedValue { $0.resyncInterval }
            let timer = Task {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
                self.resyncSoon()
            }
            guard await pokes.next() != nil else { timer.cancel(); return }
            timer.cancel()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func listOnce() async {
        let apps = state.withLockedValue { $0.apps }
        let listedAt = MonotonicClock.now()
        let listing = await ContainerListing.list(apps, client: client)
        for (app, error) in listing.failures {
            logger.debug("docker listing for \(app) failed: \(error)", metadata: ["event": "docker_list_failed", "app": "\(app)"])
        }
        for rejected in listing.rejected where state.withLockedValue({ $0.rejected.insert(rejected.id).inserted }) {
            logger.error("container \(rejected.name) of app \(rejected.app) ignored: \(rejected.error)",
                metadata: ["event": "container_rejected", "app": "\(rejected.app)", "container": "\(rejected.name)"])
        }
        if !listing.found.isEmpty { report(listing.found, listedAt) }
    }

    private func followEvents() async {
        var failures = 0
        var random = RandomSource(seed: .random(in: 1...UInt64.max))
        let backoff = Backoff(base: .milliseconds(500), cap: .seconds(10), jitter: 0.2)
        while !Task.isCancelled {
            let listAfterConnecting = Task {
                guard (try? await Task.sleep(for: .milliseconds(300))) != nil else { return }
                self.resyncSoon()
            }
            defer { listAfterConnecting.cancel() }
            do {
                try await client.followContainerEvents { [weak self] _ in self?.resyncSoon() }
                failures = 0
            } catch {
                if Task.isCancelled { return }
                if failures == 0 {
                    logger.warning("docker event stream lost: \(error); reconnecting with backoff", metadata: ["event": "docker_events_lost"])
                }
                failures += 1
            }
            resyncSoon()
            try? await Task.sleep(for: backoff.delay(attempt: max(failures - 1, 0), random: &random))
        }
    }
}
