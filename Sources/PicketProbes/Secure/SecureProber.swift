import NIOCore
import NIOPosix
import PicketCore

/// Runs the checks the epoll reactor does not speak: HTTPS, TCP over TLS and gRPC, on SwiftNIO with
/// swift-nio-ssl and grpc-swift-2. Each check is a task on NIO's shared event loops; its verdict comes
/// back through `completion`.
public final class SecureProber: Sendable {
    private let group: any EventLoopGroup
    private let contexts = TLSContexts()

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    static let notOnReactor = "gRPC checks run on the SecureProber (ProbeEngine routes them there)"

    /// Whether `check` runs here rather than on the reactor.
    public static func handles(_ check: HealthCheckSpec) -> Bool {
        if case .grpc = check.kind { return true }
        return check.tls != nil
    }

    public func probe(_ request: ProbeRequest) async -> ProbeOutcome {
        switch request.check.kind {
        case .grpc(let grpc):
            return await GRPCHealthProbe(group: group).run(request, check: grpc)
        case .http, .tcp:
            guard let tls = request.check.tls else { preconditionFailure("plain checks run on the reactor (ProbeEngine routes them there)") }
            return await TLSProbe(group: group, contexts: contexts).run(request, tls: tls)
        }
    }
}
