import Logging
import NIOCore
import NIOPosix
import PicketCore
import PicketProbes
import ServiceLifecycle
import UnixSignals

/// The imperative shell around the `Reconciler`: one loop owns the core and is its only writer; probes,
/// applies, timers and signals run beside it and report back as events.
///
/// SIGHUP reloads the config (a bad one is logged and the running one kept); graceful shutdown stops
/// the loop and leaves the last good file in place.
public final class Controller: Service {
    private let configPath: String
    private let logger: Logger
    private let group: EventLoopGroup
    private let seed: UInt64
    private let initialSetup: RuntimeSetup

    public init(setup: RuntimeSetup, configPath: String, logger: Logger, group: EventLoopGroup, seed: UInt64 = .random(in: 1...UInt64.max)) {
        initialSetup = setup
        self.configPath = configPath
        self.logger = logger
        self.group = group
        self.seed = seed
    }

    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: ControllerEvent.self)
        let docker = initialSetup.dockerSocket.map {
            DockerShell(socketPath: $0, configuration: initialSetup.configuration, group: group, logger: logger, events: continuation)
        }
        var loop = ControllerLoop(
            setup: initialSetup, configPath: configPath, logger: logger, eventLoop: group.next(), events: continuation, docker: docker, seed: seed)
        await loop.bootstrapIfNeeded()
        loop.start()
        let discovery = Task { await docker?.discovery.run() }
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield(.reloadRequested) }
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await event in events {
                    loop.handle(event)
                }
            } onCancel: {
                continuation.finish()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        signals.cancel()
        discovery.cancel()
        await loop.stop()
        logger.notice("picket stopped; the last applied upstream file stays in place", metadata: ["event": "stopped"])
    }
}
