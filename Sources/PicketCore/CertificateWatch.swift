/// The certificate each TLS backend presented, and whether its expiry has been warned about: what
/// Prometheus' blackbox exporter gives (`probe_ssl_earliest_cert_expiry`), built in.
///
/// Pure: wall-clock seconds come in as an argument. A backend is warned about once per certificate;
/// a renewed certificate (another expiry) may be warned about again.
public struct CertificateWatch: Sendable {
    private var expiries: [BackendID: Int64] = [:]
    private var warned: Set<BackendID> = []

    public init() {}

    /// What a check showed about `backend`'s certificate, at `now` (seconds since 1970). Returns the days
    /// left when they just fell under `warningDays`, for an alert.
    public mutating func record(_ backend: BackendID, expiry: Int64, warningDays: Int, now: Int64) -> Int? {
        if expiries.updateValue(expiry, forKey: backend) != expiry { warned.remove(backend) }
        let left = Self.daysLeft(expiry: expiry, now: now)
        guard left < warningDays, warned.insert(backend).inserted else { return nil }
        return left
    }

    public func expiry(of backend: BackendID) -> Int64? { expiries[backend] }

    /// Whole days until `expiry`, rounded down; negative once it has passed.
    public static func daysLeft(expiry: Int64, now: Int64) -> Int {
        let seconds = expiry - now
        return Int(seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400))
    }

    /// Drops backends that no longer exist.
    public mutating func forget(_ ids: [BackendID]) {
        for id in ids {
            expiries[id] = nil
            warned.remove(id)
        }
    }
}
