import CPicketLinux
import Dispatch
import Glibc
import NIOConcurrencyHelpers
import PicketCore

/// Runs health checks on a thread of its own with bounded concurrency.
///
/// Each check is a non-blocking socket on one epoll loop (`ProbeReactor`): no channel, pipeline or
/// future per check, which is what made SwiftNIO's client bootstrap cost more than twice HAProxy's CPU
/// per check (BENCHMARKS.md). Checks beyond `maxConcurrent` wait in a queue; a check's timeout starts
/// only when it is actually sent, so an overloaded engine falls behind visibly (each report carries its
/// lag) instead of failing healthy backends because it was late.
///
/// By default every check opens a fresh connection and closes it with a reset: a pooled connection
/// could hide a backend that no longer accepts new ones. `reuse_connection` keeps one keep-alive
/// connection per backend for at most `max_checks_per_connection` checks.
///
/// The thread is also a `TaskExecutor`: the controller's loop runs on it, between two waits.
public final class ProbeEngine: @unchecked Sendable {
    /// Takes the report over: the controller's batcher keeps it as it is, with no copy (a copy retains
    /// the backend's subject, a cold line for every check).
    public typealias Completion = @Sendable (consuming ProbeReport, ProbeTiming) -> Void

    private struct Inbox {
        var submissions: [ProbeReactor.Submission] = []
        var resolved: [(target: SocketTarget?, host: String, slot: Int32, generation: UInt32)] = []
        var work: [(at: Int64, run: @Sendable () -> Void)] = []
        var jobs: [UnownedJob] = []
        var limits: (maxConcurrent: Int, maxIdle: Int)?
        var stopping = false
        /// A wake-up is on its way: later messages need not send another.
        var woken = false
    }

    private let inbox: NIOLockedValueBox<Inbox>
    private let poller: Poller
    /// HTTPS, TCP over TLS and gRPC checks, on SwiftNIO beside the reactor.
    private let secure = SecureProber()
    /// At most `maxConcurrent` of those under way, like the reactor's plain checks.
    private let secureGate: SecureGate
    /// Only the engine's thread touches it.
    private let reactor: ProbeReactor
    private var thread = pthread_t()
    private let stopped = NIOLockedValueBox(false)
    /// Jobs of tasks that prefer this thread (`TaskExecutor`), to run before it waits again; only the
    /// engine's thread touches it.
    private var jobs: [UnownedJob] = []
    /// Scheduled work whose time has come, to run with the jobs; only the engine's thread touches it.
    private var dueWork: [ScheduledWork] = []
    /// The thread is running those jobs, between two turns of the reactor: a check submitted now can go
    /// to the reactor directly (not from inside the reactor's own callbacks).
    private var runningJobs = false

    /// `maxIdle`: keep-alive connections kept between checks at most (each holds a descriptor); a
    /// connection beyond it is closed and its backend's next check opens a fresh one.
    ///
    /// `replyTick`: replies on kept connections (`reuse_connection`) are read when the thread wakes, and
    /// at least on this grid (nanoseconds of the monotonic clock) while checks are under way; a reply's
    /// latency is the kernel's arrival stamp, so only its verdict waits.
    public init(maxConcurrent: Int, maxIdle: Int = .max, replyTick: Int64 = 20_000_000) throws(ProbeSystemError) {
        let poller = try Poller()
        let inbox = NIOLockedValueBox(Inbox())
        self.poller = poller
        self.inbox = inbox
        secureGate = SecureGate(limit: maxConcurrent)
        reactor = ProbeReactor(maxConcurrent: maxConcurrent, maxIdle: maxIdle, replyTick: replyTick, poller: poller) { host, port, slot, generation in
            DispatchQueue.global().async {
                let target = SocketTarget.resolve(host: host, port: port)
                let wake = inbox.withLockedValue { inbox in
                    inbox.resolved.append((target, host, slot, generation))
                    return Self.needsWake(&inbox)
                }
                if wake { poller.wake() }
            }
        }
        let body = Unmanaged.passRetained(ThreadBody { [self] in run() })
        let created = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, body.toOpaque())
        guard created == 0 else {
            body.release()
            poller.close()
            throw ProbeSystemError(call: "pthread_create", errno: created)
        }
    }

    /// Starts (or queues) a probe; `completion` runs on the engine's thread.
    public func submit(_ request: ProbeRequest, completion: @escaping Completion) {
        submit([request], completion: completion)
    }

    /// Starts (or queues) probes with one wake-up of the engine for the whole batch.
    public func submit(_ requests: [ProbeRequest], completion: @escaping Completion) {
        let direct = onEngineThread && runningJobs
        var posted: [ProbeReactor.Submission] = []
        for request in requests {
            if SecureProber.handles(request.check) {
                submitSecure(request, completion: completion)
            } else if direct {
                reactor.submit(ProbeReactor.Submission(request: request, completion: completion))
            } else {
                posted.append(ProbeReactor.Submission(request: request, completion: completion))
            }
        }
        guard !posted.isEmpty else { return }
        post { [posted] in $0.submissions.append(contentsOf: posted) }
    }

    /// True on the engine's own thread.
    var onEngineThread: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// A TLS or gRPC check runs on the secure prober once the gate has a place for it (at most
    /// `max_concurrent` under way, beside the reactor's own); its report is handed back on the engine's
    /// thread, as every completion is.
    private func submitSecure(_ request: ProbeRequest, completion: @escaping Completion) {
        let submitted = Clock.now()
        let start: @Sendable () -> Void = { [secure, secureGate] in
            let sent = Clock.now()
            let timing = ProbeTiming(lag: .nanoseconds(submitted - request.dueAt.nanoseconds), waited: .nanoseconds(sent - submitted))
            Task {
                let report = request.report(await secure.probe(request))
                secureGate.leave()
                self.complete(report, timing, completion)
            }
        }
        guard request.edge else { return secureGate.enter(start) }
        if !secureGate.enterIfFree(start) {
            complete(request.report(.shed), .notSent, completion)
        }
    }

    /// Hands a report back on the engine's thread.
    private func complete(_ report: ProbeReport, _ timing: ProbeTiming, _ completion: @escaping Completion) {
        guard !stopped.withLockedValue({ $0 }) else { return }
        post { $0.work.append((0, { completion(report, timing) })) }
    }

    /// Probes once and returns the outcome: for one-shot commands (`picket check`).
    public func probe(_ request: ProbeRequest) async -> ProbeOutcome {
        await withCheckedContinuation { continuation in
            submit(request) { report, _ in continuation.resume(returning: report.outcome) }
        }
    }

    /// Changes the limits (a reloaded config); checks under way are not touched.
    public func update(maxConcurrent: Int, maxIdle: Int = .max) {
        secureGate.update(limit: maxConcurrent)
        post { $0.limits = (max(1, maxConcurrent), max(0, maxIdle)) }
    }

    /// Runs `work` on the engine's thread at `deadline` (or at once, if it has passed): the engine's
    /// thread is awake for the checks anyway, so it also keeps time for the controller (its wake-ups
    /// and report hand-overs, on one grid so they land in the same wake-up). It runs among the jobs,
    /// not inside the reactor's own turn, so the probes it submits go to the reactor directly.
    @discardableResult
    public func schedule(at deadline: Instant, _ work: @escaping @Sendable () -> Void) -> ScheduledWork {
        let scheduled = ScheduledWork(work)
        let due: @Sendable () -> Void = { [unowned self] in dueWork.append(scheduled) }
        if onEngineThread {
            reactor.schedule(at: deadline.nanoseconds, due)
        } else {
            post { $0.work.append((deadline.nanoseconds, due)) }
        }
        return scheduled
    }

    /// Stops the thread and closes every connection; checks under way and waiting report a failure.
    /// Not from the engine's own thread.
    public func shutdown() {
        precondition(!onEngineThread, "ProbeEngine.shutdown() called from the engine's own thread")
        let first = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        post { $0.stopping = true }
        pthread_join(thread, nil)
        poller.close()
    }

    private func post(_ change: (inout Inbox) -> Void) {
        let wake = inbox.withLockedValue { inbox in
            change(&inbox)
            return Self.needsWake(&inbox)
        }
        if wake { poller.wake() }
    }

    private static func needsWake(_ inbox: inout Inbox) -> Bool {
        defer { inbox.woken = true }
        return !inbox.woken
    }

    /// The engine's thread: wait, handle socket events, take in what other threads sent, fire deadlines.
    private func run() {
        c_picket_name_thread("picket-probes")
        let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        while true {
            let count = poller.wait(events, timeout: reactor.timeout(now: Clock.now()))
            var woken = false
            for event in events[..<count] {
                if event.data.u64 == Poller.wakeToken {
                    woken = true
                } else {
                    reactor.handle(token: event.data.u64, events: event.events)
                }
            }
            if woken {
                poller.drainWake()
                let messages = inbox.withLockedValue { inbox in
                    defer { inbox = Inbox(stopping: inbox.stopping) }
                    return inbox
                }
                if messages.stopping {
                    reactor.stopAll()
                    for job in messages.jobs { globalConcurrentExecutor.enqueue(job) }
                    return
                }
                if let limits = messages.limits { (reactor.maxConcurrent, reactor.maxIdle) = limits }
                for (at, work) in messages.work { reactor.schedule(at: at, work) }
                for resolved in messages.resolved {
                    reactor.resolved(resolved.target, host: resolved.host, slot: resolved.slot, generation: resolved.generation)
                }
                for submission in messages.submissions { reactor.submit(submission) }
                reactor.startWaiting()
                jobs.append(contentsOf: messages.jobs)
            }
            // Replies before deadlines: a reply that came in time is not taken for a timeout.
            while reactor.hasDeferredSockets {
                let replies = poller.collectReplies(events)
                for event in events[..<replies] { reactor.handle(token: event.data.u64, events: event.events) }
                guard replies == events.count else { break }
            }
            reactor.fireDue(now: Clock.now())
            // The requests and closes of the whole turn go out together; a check they end (a failed
            // write, a TCP check with nothing to read) may have given the controller more to do.
            repeat {
                runJobs()
                reactor.flush()
            } while !jobs.isEmpty || !dueWork.isEmpty
        }
    }

    /// Runs the due work and the jobs enqueued so far, and those they enqueue in turn, before the thread
    /// waits again.
    private func runJobs() {
        runningJobs = true
        defer { runningJobs = false }
        while !jobs.isEmpty || !dueWork.isEmpty {
            let work = dueWork
            dueWork = []
            for scheduled in work { scheduled.runUnlessCancelled() }
            let ready = jobs
            jobs = []
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// The controller's loop runs on the engine's thread (`withTaskExecutorPreference`): reports and ticks
/// then reach it without waking another thread, and the probes it sends go straight to the reactor.
/// Handing each 20 ms batch from this thread to a pool thread and the next probes back cost more CPU
/// than the checks themselves below a few hundred backends (BENCHMARKS.md).
extension ProbeEngine: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if onEngineThread {
            jobs.append(job)
            return
        }
        let wake: Bool? = inbox.withLockedValue { inbox in
            guard !inbox.stopping else { return nil }
            inbox.jobs.append(job)
            return Self.needsWake(&inbox)
        }
        switch wake {
        case nil:
            // The thread is gone or going: the task goes on on the global executor rather than hang.
            globalConcurrentExecutor.enqueue(job)
        case true?:
            poller.wake()
        case false?:
            break
        }
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Work scheduled on the engine's thread, which can still be called off.
public final class ScheduledWork: Sendable {
    private let work: @Sendable () -> Void
    private let cancelled = NIOLockedValueBox(false)

    init(_ work: @escaping @Sendable () -> Void) {
        self.work = work
    }

    public func cancel() {
        cancelled.withLockedValue { $0 = true }
    }

    func runUnlessCancelled() {
        if !cancelled.withLockedValue({ $0 }) { work() }
    }
}

/// How late a probe was sent against its schedule, and how much of that it waited in the engine for
/// a free slot (`max_concurrent`); the rest it was late in reaching the engine.
public struct ProbeTiming: Sendable {
    public let lag: Duration
    public let waited: Duration

    /// The timing of a report for a check that was never sent: shed, or stopped before it started.
    static let notSent = ProbeTiming(lag: .zero, waited: .zero)
}
