/// Why an app has no server fit for traffic, and so what its upstream block does about it.
///
/// The two cases read alike in a file (`down` servers only) but need different words and different
/// remedies: a failed app is sick, an app without containers is not running at all.
public enum AllDown: Hashable, Sendable {
    /// Every instance failed its checks or is drained; the app's `when_all_down` policy decided the servers.
    case failed(AllDownPolicy)
    /// Docker listed no containers for the app: one `down` placeholder stands in so nginx answers 502.
    case noContainers

    /// The policy that decided the servers, when one did.
    public var policy: AllDownPolicy? {
        if case .failed(let policy) = self { policy } else { nil }
    }
}
