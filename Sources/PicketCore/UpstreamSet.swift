/// The desired content of Picket's nginx file: one upstream per app with the servers to render.
///
/// Computed from scratch from app specs and backend states every time (level-triggered), compared by
/// value, and rendered deterministically: the same set always gives the same bytes.
public struct UpstreamSet: Hashable, Sendable {
    public var upstreams: [Upstream]

    public init(upstreams: [Upstream]) {
        self.upstreams = upstreams
    }

    /// The set for the given apps, with `fate` deciding each backend's line.
    public init(apps: [AppSpec], fate: (BackendID, InstanceSpec) -> ServerFate) {
        upstreams = apps.map { app in
            Upstream(app: app) { fate(BackendID(app: app.name, address: $0.address), $0) }
        }
    }

    /// Every non-drained instance taken as healthy: the file to start nginx with, and `picket render`.
    public static func assumingHealthy(_ apps: [AppSpec]) -> UpstreamSet {
        UpstreamSet(apps: apps) { _, instance in instance.drain ? .out : .serving(rampStep: nil) }
    }

    /// Addresses that take traffic (`down` servers excluded), per app.
    public var servingAddresses: [AppName: [ServerAddress]] {
        Dictionary(uniqueKeysWithValues: upstreams.map { ($0.name, $0.servers.filter { !$0.down }.map(\.address)) })
    }
}

/// One nginx `upstream` block.
public struct Upstream: Hashable, Sendable {
    public var name: AppName
    public var balance: Balance
    public var context: NginxContext
    public var keepalive: Int?
    public var servers: [UpstreamServer]
    /// Set when no server may take traffic: why, and whether the app's all-down policy decided the servers.
    public var allDown: AllDown?

    public init(
        name: AppName, balance: Balance, context: NginxContext = .http, keepalive: Int?, servers: [UpstreamServer], allDown: AllDown?
    ) {
        self.name = name
        self.balance = balance
        self.context = context
        self.keepalive = keepalive
        self.servers = servers
        self.allDown = allDown
    }

    /// The block for `app`, always one nginx accepts: never without servers (an app whose containers
    /// are all gone gets one `down` placeholder, so nginx answers 502 at once), and never with backups
    /// alone (nginx refuses "no servers in upstream"): when only backups serve, the primaries stay in
    /// the file marked `down`, which is also what sends nginx to the backups.
    public init(app: AppSpec, fate: (InstanceSpec) -> ServerFate) {
        let ramping = SlowStart.applies(to: app.balance)
        let fates = app.instances.map(fate)
        let scale = ramping && fates.contains { if case .serving(let step?) = $0 { step < SlowStart.steps } else { false } } ? SlowStart.steps : 1
        func server(_ instance: InstanceSpec, down: Bool, weight: Int? = nil) -> UpstreamServer {
            UpstreamServer(
                address: instance.address, weight: weight ?? instance.weight * scale, maxFails: app.maxFails,
                failTimeout: app.failTimeout, backup: instance.backup, down: down)
        }
        var servers: [UpstreamServer] = []
        for (instance, fate) in zip(app.instances, fates) {
            switch fate {
            case .serving(let step?) where scale > 1:
                servers.append(server(instance, down: false, weight: instance.weight * step))
            case .serving:
                servers.append(server(instance, down: false))
            case .out where app.balance.keepsPositions:
                servers.append(server(instance, down: true))
            case .out:
                break
            }
        }
        var allDown: AllDown?
        if app.instances.isEmpty {
            allDown = .noContainers
        } else if !servers.contains(where: { !$0.down }) {
            allDown = .failed(app.whenAllDown)
            let undrained = app.instances.filter { !$0.drain }
            if app.whenAllDown == .failOpen, !undrained.isEmpty {
                servers = app.instances.compactMap { $0.drain ? (app.balance.keepsPositions ? server($0, down: true) : nil) : server($0, down: false) }
            } else {
                servers = app.instances.map { server($0, down: true) }
            }
        }
        if !servers.contains(where: { !$0.backup }) {
            let listed = Dictionary(servers.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
            servers = app.instances.compactMap { listed[$0.address] ?? ($0.backup ? nil : server($0, down: true)) }
        }
        if !servers.contains(where: { !$0.backup }) {
            servers.append(server(InstanceSpec(address: .placeholder), down: true))
        }
        self.init(
            name: app.name, balance: app.balance, context: app.context, keepalive: app.context == .http ? app.keepalive : nil, servers: servers,
            allDown: allDown)
    }
}

/// One `server` line of an upstream.
public struct UpstreamServer: Hashable, Sendable {
    public var address: ServerAddress
    public var weight: Int
    public var maxFails: Int
    public var failTimeout: Duration
    public var backup: Bool
    public var down: Bool

    public init(address: ServerAddress, weight: Int, maxFails: Int, failTimeout: Duration, backup: Bool, down: Bool) {
        self.address = address
        self.weight = weight
        self.maxFails = maxFails
        self.failTimeout = failTimeout
        self.backup = backup
        self.down = down
    }
}
