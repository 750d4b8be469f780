import PicketCore
import PicketFleet
import PicketProbes
import PicketStore

/// What reaches the controller's single loop. Adapters never touch state; they send one of these.
enum ControllerEvent: Sendable {
    /// Reports of a grid point; handed over by the engine's scheduled work, not through the stream.
    case probes(ProbeBatch)
    /// The wake-up set for this instant came; from the engine's scheduled work, like `probes`.
    case tick(Instant)
    case applyFinished(ApplyOutcome, ApplyDelivery)
    case reloadRequested
    /// The config a reload asked for, read off the loop; `generation` tells a stale read from the last.
    case configLoaded(Result<RuntimeSetup, SetupError>, generation: Int)
    case containers([AppName: [ContainerObservation]], listedAt: Instant)
    case dockerActionFinished(DockerCommand, DockerActionResult)
    /// nginx's traffic has been folded into tallies waiting in the passive ingest.
    case passiveReady
    case query(StatusQuery, reply: @Sendable (StatusAnswer) -> Void)
    case command(OperatorAction, BackendID, reply: @Sendable (OperatorAnswer) -> Void)
    /// The state database, which could not be opened at start, opened on a retry.
    case persistenceOpened(Persistence)
    /// Another node of the fleet carried out an operator action; this node takes it in.
    case fleetAction(FleetActions.Action)
    /// This node took (with its fencing token) or lost the lease on a Docker engine.
    case leaseChanged(engine: DockerEngineName, token: Int?, scope: String)
    /// The other fleet nodes' restarts and quarantines, read as this node takes an engine's lease.
    case peerRecovery([StoredBackend])
}

/// Which way a finished apply reached nginx.
struct ApplyDelivery: Sendable {
    /// The route it took in the end (a failed push turns `.lua` into `.file(.pushFailed)`).
    let route: ApplyRoute
    /// The set the file nginx runs now holds, when the file path wrote it or found it up to date.
    let file: UpstreamSet?
}
