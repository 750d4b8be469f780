import PicketCore

/// One connection the engine holds: a check under way on it, or (with connection reuse) an idle
/// keep-alive connection waiting for its backend's next check. Slots are reused, so a check allocates
/// no connection object of its own.
struct ConnectionSlot {
    enum Stage {
        case free
        /// Waiting for a host name to resolve (off the engine's thread).
        case resolving
        /// Connect started; the request (if any) not fully written yet.
        case connecting
        /// Request written; reading the reply.
        case waitingForReply
        /// A keep-alive connection between checks.
        case idle
    }

    var fd: Int32 = -1
    /// Bumped for every new socket in this slot: events for an earlier socket are ignored.
    var serial: UInt32 = 0
    /// Bumped whenever the slot's check or idle period ends: deadlines set for it earlier are ignored.
    var generation: UInt32 = 0
    var stage = Stage.free
    /// The socket is registered for writability too.
    var watchesWritable = false
    /// The socket's replies are read at the engine's ticks (`Poller`): a kept connection's
    /// (`reuse_connection`, HTTP checks).
    var deferred = false
    /// When the last bytes read for the check under way arrived (CLOCK_REALTIME nanoseconds, as the
    /// kernel stamped them on a deferred socket); 0 before any.
    var arrived: Int64 = 0
    var probe: ActiveProbe?
    /// Request bytes not yet written (while connecting, or when the socket buffer was full).
    var unsent: [UInt8] = []
    /// Reads the HTTP response of the check under way; handed back to the reactor when the check ends.
    var http: HTTPResponseReader?
    var tcpReply: [UInt8] = []
    /// The backend this keep-alive connection belongs to (connection reuse only).
    var reuseKey: ReuseKey?
    /// Checks answered on this connection so far.
    var checksServed = 0

    /// The epoll token of this slot's current socket.
    func token(_ index: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: index)) | UInt64(serial) << 32
    }
}

/// A check under way. A class: the slot, the deadline and the reply handling all refer to it, and
/// copying a whole request for each of those cost more than one allocation.
final class ActiveProbe {
    let request: ProbeRequest
    let completion: ProbeEngine.Completion
    /// When the engine took the check in.
    let received: Int64
    /// When the check was first started: its lag is measured against its due time from here.
    let sent: Int64
    /// When the current attempt began (a retry on a fresh connection starts again): latency is from here.
    let started: Int64
    /// The same on the wall clock (CLOCK_REALTIME nanoseconds), which the kernel's arrival stamps keep.
    let startedWall: Int64
    /// On a connection kept from an earlier check: if the server closed it meanwhile, the check is
    /// retried once on a fresh connection instead of failing.
    let onReusedConnection: Bool

    init(_ submission: ProbeReactor.Submission, sent: Int64, started: Int64, onReusedConnection: Bool) {
        request = submission.request
        completion = submission.completion
        received = submission.received
        self.sent = sent
        self.started = started
        startedWall = Clock.wallNow()
        self.onReusedConnection = onReusedConnection
    }
}

/// Which keep-alive connection a check may reuse: the same app's backend at the same target, and the
/// slot of the core's record the check came from (`IdleConnections` finds it by that slot).
///
/// Held as the check's subject, not as copies of the app's and the target's text: a key is copied into
/// the slot and out again on every reused check, and each string copy retained a backend's own string
/// (a cold line, written). A backend's checks share one subject until the config changes, so keys
/// usually match by identity; after a reload they still match by backend and target.
struct ReuseKey: Hashable {
    let subject: ProbeSubject
    /// The request's `slot`; -1 for a check that did not come from the core.
    let slot: Int32

    init(_ request: ProbeRequest) {
        self.init(subject: request.subject, slot: request.slot)
    }

    init(subject: ProbeSubject, slot: Int32) {
        self.subject = subject
        self.slot = slot
    }

    static func == (lhs: ReuseKey, rhs: ReuseKey) -> Bool {
        lhs.slot == rhs.slot
            && (lhs.subject === rhs.subject || (lhs.subject.backend == rhs.subject.backend && lhs.subject.target == rhs.subject.target))
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(slot)
        hasher.combine(subject.backend)
        hasher.combine(subject.target)
    }
}
