/// How this Picket takes part in a fleet (several Pickets on one PostgreSQL database, `state.url`).
public struct FleetSettings: Hashable, Sendable {
    /// This node's name in the database: its verdicts, its view in `picket status`, the actions it took.
    public var nodeName: String
    /// How long a Docker engine's lease lasts without renewal: a holder that dies is replaced within it.
    public var leaseTTL: Duration

    public init(nodeName: String, leaseTTL: Duration = .seconds(10)) {
        self.nodeName = nodeName
        self.leaseTTL = leaseTTL
    }
}
