/// How Picket shares its open-file limit, so that nothing it does can use up the last descriptor.
///
/// A probe in flight and a status connection each hold one; a reserve stays free for what Picket does
/// not count one by one: the event loop, the state database and its WAL files, the commands it runs,
/// the log, and the Swift runtime itself. The reserve matters more than it seems: on Linux, libdispatch
/// reads `/proc/<tid>/stat` every second to watch its worker threads and crashes the process when that
/// `open` fails, so a process that runs out of descriptors can die rather than merely fail a probe.
/// Probes beyond the budget wait their turn (and say so as lag); they are never failed for it.
struct DescriptorBudget: Hashable, Sendable {
    static let reserve = 64
    let limit: Int

    /// The budget under the process's current soft limit.
    static var current: DescriptorBudget { DescriptorBudget(limit: OpenFileLimit.current) }

    /// Status connections open at once: at most `StatusServer.maxConnections`, and an eighth of what
    /// the reserve leaves.
    var statusConnections: Int { min(StatusServer.maxConnections, max(4, (limit - Self.reserve) / 8)) }

    /// Probes in flight at once: the configured number, or what the limit leaves when that is less.
    func probes(configured: Int) -> Int { max(1, min(configured, limit - Self.reserve - statusConnections)) }

    /// Keep-alive connections (`health_check.reuse_connection`) kept between checks: what is left once
    /// `probes` checks are in flight.
    func idleConnections(probes: Int) -> Int { max(0, limit - Self.reserve - statusConnections - probes) }

    /// Clients of `GET /v1/events` at once: the configured number, or half the status connections when
    /// that is less. A follower holds its connection for as long as it follows, and `/healthz`, `/readyz`
    /// and the API must always find room.
    func eventClients(configured: Int) -> Int { min(configured, statusConnections / 2) }
}
