import DequeModule
import Glibc
import HeapModule
import PicketCore

/// The probe engine's event loop: every check's socket, its deadline and its reply, on one thread.
///
/// A check is a handful of system calls (socket, SO_LINGER, connect, one epoll registration, send,
/// recv, close) and no allocation beyond its reply: slots are reused, the request's bytes are the
/// backend's own (`ProbeSubject.requestBytes`), deadlines wait in first-in-first-out queues. Confined
/// to the engine's thread.
///
/// A turn's requests are written, and its finished sockets closed, together at its end (`flush`):
/// each request and each reset wakes the server's process, and on loopback the sender pays for that
/// wake-up. Spread between the turn's other work, every one found the server asleep and paid a
/// cross-CPU wake-up; in a burst, the first wakes it and the rest find it running (system time per
/// check at 5,000 backends went from ~70 to ~43 µs, BENCHMARKS.md).
final class ProbeReactor {
    struct Submission {
        let request: ProbeRequest
        let completion: ProbeEngine.Completion
        /// When the engine took it in (the wait for a free slot starts here).
        var received: Int64 = 0
    }

    private struct Work: Comparable {
        let at: Int64
        let sequence: UInt64
        let run: () -> Void

        static func < (lhs: Work, rhs: Work) -> Bool { (lhs.at, lhs.sequence) < (rhs.at, rhs.sequence) }
        static func == (lhs: Work, rhs: Work) -> Bool { lhs.sequence == rhs.sequence }
    }

    /// Checks under way at most. This and `maxIdle` stay within half the slots there are each, so a
    /// check always finds a slot.
    var maxConcurrent: Int { didSet { maxConcurrent = Self.withinSlots(maxConcurrent) } }
    /// Idle keep-alive connections kept at most.
    var maxIdle: Int { didSet { maxIdle = Self.withinSlots(maxIdle) } }
    let poller: Poller
    /// While checks are under way, the engine wakes at least on this grid (nanoseconds of the monotonic
    /// clock) to read their replies (`Poller`): the controller's, so that both wake-ups are one.
    let replyTick: Int64
    /// Hands a host name to a resolver off this thread; the answer comes back through `resolved`.
    private let resolve: (_ host: String, _ port: Int, _ slot: Int32, _ generation: UInt32) -> Void
    let slots = ConnectionSlots()
    private var freeSlots: [Int32] = []
    /// The idle keep-alive connection of each backend (connection reuse).
    private var idle = IdleConnections()
    private var deadlines = DeadlineQueues()
    private var work = Heap<Work>()
    private var workSequence: UInt64 = 0
    private var waiting = Deque<Submission>()
    private var running = 0
    /// Sockets whose replies wait for a tick (`Poller`).
    private var deferredSockets = 0
    var hasDeferredSockets: Bool { deferredSockets > 0 }
    /// Response readers between checks. A reader serves a check, not a connection (between responses its
    /// parser holds nothing of its connection), so there are only as many as checks recently ran at once,
    /// however many keep-alive connections wait idle.
    private var readers = ReaderPool()
    /// Requests to write, and sockets to close, once this turn's events and submissions are handled
    /// (`flush`). A socket waiting to be closed keeps its descriptor, so no new socket can take its number.
    private var sending: [(index: Int32, serial: UInt32)] = []
    private var closing: [Int32] = []
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)

    init(maxConcurrent: Int, maxIdle: Int, replyTick: Int64, poller: Poller, resolve: @escaping (String, Int, Int32, UInt32) -> Void) {
        self.replyTick = max(1, replyTick)
        self.maxConcurrent = Self.withinSlots(max(1, maxConcurrent))
        self.maxIdle = Self.withinSlots(maxIdle)
        self.poller = poller
        self.resolve = resolve
    }

    deinit {
        readBuffer.deallocate()
    }

    private static func withinSlots(_ limit: Int) -> Int {
        min(max(0, limit), ConnectionSlots.capacity / 2)
    }

    // MARK: Starting and finishing checks

    func submit(_ submission: Submission) {
        var submission = submission
        let now = Clock.now()
        submission.received = now
        if running < maxConcurrent {
            start(submission, sent: now, now: now, mayReuse: true)
        } else if submission.request.edge {
            submission.completion(submission.request.report(.shed), .notSent)
        } else {
            waiting.append(submission)
        }
    }

    /// Starts what waits while there is room (after a check finished or the limit was raised).
    func startWaiting() {
        while running < maxConcurrent, let next = waiting.popFirst() {
            let now = Clock.now()
            start(next, sent: now, now: now, mayReuse: true)
        }
    }

    private func start(_ submission: Submission, sent: Int64, now: Int64, mayReuse: Bool) {
        running += 1
        let request = submission.request
        var key: ReuseKey?
        if case .http = request.check.kind, request.check.reuseConnection {
            key = ReuseKey(request)
        }
        if mayReuse, let key, let index = idle.take(key) {
            begin(index, ActiveProbe(submission, sent: sent, started: now, onReusedConnection: true))
            slots[index].pointee.stage = .connecting
            sending.append((index, slots[index].pointee.serial))
            return
        }
        let index = allocateSlot()
        begin(index, ActiveProbe(submission, sent: sent, started: now, onReusedConnection: false))
        slots[index].pointee.reuseKey = key
        slots[index].pointee.checksServed = 0
        switch SocketTarget.plan(request.target) {
        case .ready(let target):
            open(index, target)
        case .resolve(let host, let port):
            slots[index].pointee.stage = .resolving
            resolve(host, port, index, slots[index].pointee.generation)
        }
    }

    /// Puts a check on a slot: a fresh reply, a deadline.
    private func begin(_ index: Int32, _ probe: ActiveProbe) {
        // The shared box, not `request.check`: a copy of the check retains and releases every field.
        let check = probe.request.sharedCheck
        slots[index].pointee.generation &+= 1
        slots[index].pointee.probe = probe
        slots[index].pointee.arrived = 0
        slots[index].pointee.unsent.removeAll()
        switch check.value.kind {
        case .http(let http):
            let reader = slots[index].pointee.http ?? readers.take()
            reader.expect(method: http.method, keepsBody: http.expectedBody != nil)
            slots[index].pointee.http = reader
        case .tcp:
            slots[index].pointee.tcpReply.removeAll()
        case .grpc:
            preconditionFailure(SecureProber.notOnReactor)
        }
        deadlines.add(check.value.timeout.nanoseconds, after: probe.started, slot: index, generation: slots[index].pointee.generation)
    }

    /// A host name resolved (or not) for the check on `slot`.
    func resolved(_ target: SocketTarget?, host: String, slot index: Int32, generation: UInt32) {
        guard slots[index].pointee.generation == generation, slots[index].pointee.stage == .resolving else { return }
        guard let target else {
            fail(index, .dns, "cannot resolve \(host)")
            return
        }
        open(index, target)
    }

    private func open(_ index: Int32, _ target: SocketTarget) {
        let sendsAtOnce = slots[index].pointee.probe.map { sendsOnConnect($0.request.check) } ?? false
        // A kept connection's replies wait for the tick (`Poller`); a fresh connection's reply is read at
        // once. Deferred too, fresh checks at 5,000 backends saved user time but spent more in the kernel
        // (45.7-50.8 µs a check against 44.1-45.8 µs read at once, alternating in one sitting).
        let deferred = slots[index].pointee.http != nil && slots[index].pointee.reuseKey != nil
        let (fd, error) = ProbeSocket.connect(to: target, sendsAtOnce: sendsAtOnce, stampsArrivals: deferred)
        guard error == 0 else {
            fail(index, errno: error)
            return
        }
        slots[index].pointee.serial &+= 1
        slots[index].pointee.fd = fd
        slots[index].pointee.deferred = deferred
        if deferred { deferredSockets += 1 }
        slots[index].pointee.stage = .connecting
        // The socket joins the poller's set before its request goes out (at the end of the turn).
        // Writability is watched only when there is no request to write (to learn that a bare TCP
        // connect finished), or later if the request does not go out in one piece.
        slots[index].pointee.watchesWritable = !sendsAtOnce
        let registration = poller.add(fd, token: slots[index].pointee.token(index), writable: !sendsAtOnce, deferred: deferred)
        if registration != 0 {
            fail(index, errno: registration)
        } else if sendsAtOnce {
            sending.append((index, slots[index].pointee.serial))
        }
    }

    /// Writes the requests and closes the sockets of this turn, each kind in one burst.
    func flush() {
        var next = 0
        while next < sending.count {
            let (index, serial) = sending[next]
            next += 1
            guard slots[index].pointee.serial == serial, slots[index].pointee.fd >= 0, slots[index].pointee.stage == .connecting else { continue }
            sendRequest(index)
        }
        sending.removeAll(keepingCapacity: true)
        for fd in closing { ProbeSocket.close(fd) }
        closing.removeAll(keepingCapacity: true)
    }

    /// The check passed, failed or timed out: reports it, then keeps or closes the connection.
    func finish(_ index: Int32, _ outcome: ProbeOutcome, keepAlive: Bool = false) {
        // Taken out of the slot, not copied and cleared: no retain and release of it on the way.
        guard let probe = slots[index].pointee.probe.take() else { return }
        slots[index].pointee.generation &+= 1
        slots[index].pointee.checksServed += 1
        running -= 1
        let timing = ProbeTiming(lag: .nanoseconds(probe.sent - probe.request.dueAt.nanoseconds), waited: .nanoseconds(probe.sent - probe.received))
        probe.completion(probe.request.report(outcome), timing)
        let now = Clock.now()
        spareReader(index, now: now)
        let check = probe.request.sharedCheck
        if keepAlive, let key = slots[index].pointee.reuseKey, slots[index].pointee.checksServed < check.value.maxChecksPerConnection,
            idle.count < maxIdle, idle.keep(index, for: key)
        {
            slots[index].pointee.stage = .idle
            // An idle connection whose backend is no longer checked (removed, or its check changed) goes.
            // In nanoseconds: `Duration * Int` is generic over the integer, unspecialized and slow here.
            let idleFor = check.value.interval.nanoseconds &* 2 &+ 1_000_000_000
            deadlines.add(idleFor, after: now, slot: index, generation: slots[index].pointee.generation)
        } else {
            close(index)
        }
        startWaiting()
    }

    /// A keep-alive connection failed before any of the reply arrived: the server closed it between
    /// checks. The check starts again on a fresh connection (once), which also tells whether the
    /// backend still accepts connections.
    func retryOnFreshConnection(_ index: Int32) {
        guard let probe = slots[index].pointee.probe.take() else { return }
        running -= 1
        close(index)
        start(Submission(request: probe.request, completion: probe.completion, received: probe.received), sent: probe.sent, now: Clock.now(), mayReuse: false)
    }

    func fail(_ index: Int32, _ failureClass: FailureClass, _ message: String, status: Int? = nil) {
        guard let probe = slots[index].pointee.probe else { return }
        finish(index, .failed(failureClass, ProbeEvidence(statusCode: status, latency: elapsed(probe), message: message)))
    }

    func fail(_ index: Int32, errno: Int32) {
        guard let probe = slots[index].pointee.probe else { return }
        finish(index, FailureClassifier.outcome(errno: errno, latency: elapsed(probe)))
    }

    func close(_ index: Int32) {
        if slots[index].pointee.http != nil { spareReader(index, now: Clock.now()) }
        if slots[index].pointee.fd >= 0 {
            closing.append(slots[index].pointee.fd)
            if slots[index].pointee.deferred { deferredSockets -= 1 }
        }
        slots[index].pointee.deferred = false
        if slots[index].pointee.stage == .idle, let key = slots[index].pointee.reuseKey { idle.remove(index, for: key) }
        slots[index].pointee.fd = -1
        slots[index].pointee.stage = .free
        slots[index].pointee.probe = nil
        slots[index].pointee.reuseKey = nil
        slots[index].pointee.generation &+= 1
        freeSlots.append(index)
    }

    /// The slot's check is over: its reader waits for the next check (resetting its parser then, if spent).
    private func spareReader(_ index: Int32, now: Int64) {
        guard let reader = slots[index].pointee.http else { return }
        slots[index].pointee.http = nil
        readers.giveBack(reader, now: now)
    }

    private func allocateSlot() -> Int32 {
        if let index = freeSlots.popLast() { return index }
        return slots.append()
    }

    func elapsed(_ probe: ActiveProbe) -> Duration {
        .nanoseconds(Clock.now() - probe.started)
    }

    /// How long the reply on `index` took to come: to the arrival of its last bytes as the kernel stamped
    /// it, since a deferred socket's reply is read up to a tick later. Never more than the time to now,
    /// nor less than zero, should the wall clock the stamps keep be set meanwhile.
    func replyLatency(_ probe: ActiveProbe, _ index: Int32) -> Duration {
        let elapsed = Clock.now() - probe.started
        let arrived = slots[index].pointee.arrived
        guard arrived > 0 else { return .nanoseconds(elapsed) }
        return .nanoseconds(min(max(0, arrived - probe.startedWall), elapsed))
    }

    /// HTTP checks and TCP checks with `probe_data` write as soon as they connect.
    func sendsOnConnect(_ check: HealthCheckSpec) -> Bool {
        switch check.kind {
        case .http: return true
        case .tcp(let tcp): return tcp.probeData != nil
        case .grpc: preconditionFailure(SecureProber.notOnReactor)
        }
    }

    // MARK: Time

    /// Runs `run` on this thread at `at` (CLOCK_MONOTONIC nanoseconds).
    func schedule(at: Int64, _ run: @escaping () -> Void) {
        workSequence += 1
        work.insert(Work(at: at, sequence: workSequence, run: run))
    }

    /// Milliseconds until the next deadline, scheduled work or (while checks are under way) reply
    /// tick (-1: none), for epoll_wait.
    func timeout(now: Int64) -> Int32 {
        let deadline = deadlines.earliest { slots[$0.slot].pointee.generation == $0.generation }
        let tick = running > 0 && hasDeferredSockets ? (now / replyTick + 1) * replyTick : .max
        let next = min(deadline ?? .max, work.min?.at ?? .max, tick)
        guard next < .max else { return -1 }
        return Int32(clamping: max(0, (next - now + 999_999) / 1_000_000))
    }

    /// Times out checks and idle connections whose deadline passed, and runs due work.
    func fireDue(now: Int64) {
        while let deadline = deadlines.popDue(now: now) {
            guard slots[deadline.slot].pointee.generation == deadline.generation else { continue }
            switch slots[deadline.slot].pointee.stage {
            case .free:
                continue
            case .idle:
                close(deadline.slot)
            case .resolving, .connecting, .waitingForReply:
                timedOut(deadline.slot)
            }
        }
        while let next = work.min, next.at <= now {
            work.removeMin()
            next.run()
        }
    }

    func timedOut(_ index: Int32) {
        guard let probe = slots[index].pointee.probe else { return }
        let timeout = probe.request.check.timeout
        let stage = slots[index].pointee.stage
        if case .tcp(let tcp) = probe.request.check.kind, !slots[index].pointee.tcpReply.isEmpty {
            let reply = String(decoding: slots[index].pointee.tcpReply, as: UTF8.self)
            finish(index, ProbeVerdict.tcp(reply: reply, latency: timeout, check: tcp, spec: probe.request.check))
        } else if stage == .connecting || stage == .resolving {
            finish(index, .failed(.timeout, ProbeEvidence(latency: timeout, message: "connect timed out")))
        } else {
            let status = slots[index].pointee.http?.status
            finish(index, .failed(.timeout, ProbeEvidence(statusCode: status, latency: timeout, message: "no answer within \(timeout.shortDescription)")))
        }
    }

    /// Ends every check (reported as failed: the engine stopped) and closes every connection. The
    /// response readers go too: their embedded channels may only be closed on this thread.
    func stopAll() {
        defer {
            flush()
            readers.removeAll()
        }
        let stopped = ProbeOutcome.failed(.other, ProbeEvidence(message: "probe engine stopped"))
        while let submission = waiting.popFirst() {
            submission.completion(submission.request.report(stopped), .notSent)
        }
        maxConcurrent = 0
        for index in 0..<Int32(slots.count) where slots[index].pointee.stage != .free {
            if slots[index].pointee.probe != nil { finish(index, stopped) }
            if slots[index].pointee.stage != .free { close(index) }
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock `Instant`s and NIO deadlines use.
enum Clock {
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// CLOCK_REALTIME in nanoseconds: the clock of the kernel's arrival stamps.
    static func wallNow() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
