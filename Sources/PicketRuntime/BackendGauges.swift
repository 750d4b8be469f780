import Foundation
import NIOConcurrencyHelpers
import PicketCore
import PicketPassive

/// The gauges of every backend, kept in one table and written out at `/metrics` after the registry's
/// metrics: `picket_backend_in_rotation` and `picket_backend_circuit_state`, for TLS checks
/// `picket_backend_tls_cert_expiry_timestamp_seconds`, and, with passive detection, the live traffic
/// nginx logged for it. swift-prometheus copies a metric family's whole table for every
/// new series, so registering two series for each of 20,000 backends held the control loop for ~20 s at
/// start-up (and first probes that late); here a backend costs one table entry, about a tenth of the
/// memory too.
final class BackendGauges: Sendable {
    private struct Values {
        var inRotation: Double?
        var circuit: Double?
        var certificateExpiry: Double?
    }

    /// One sample of a family: its extra label (name and value), if any, and the value.
    private typealias Sample = (label: (String, String)?, value: Double)

    private let values = NIOLockedValueBox<[BackendID: Values]>([:])

    func setInRotation(_ id: BackendID, _ value: Double) {
        values.withLockedValue { $0[id, default: Values()].inRotation = value }
    }

    func setCircuit(_ id: BackendID, _ value: Double) {
        values.withLockedValue { $0[id, default: Values()].circuit = value }
    }

    /// When the certificate the backend presented expires, in seconds since 1970.
    func setCertificateExpiry(_ id: BackendID, _ value: Double) {
        values.withLockedValue { $0[id, default: Values()].certificateExpiry = value }
    }

    func forget(_ id: BackendID) {
        _ = values.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Every family in the Prometheus text format, backends in order (MetricHelp adds the help). `traffic`
    /// is read at the scrape, so the traffic gauges describe the last ten seconds however long ago nginx
    /// last logged a request; a backend Picket no longer has is left out even while its window still
    /// holds traffic.
    func exposition(traffic: [BackendID: TrafficSummary] = [:]) -> String {
        let rows = values.withLockedValue { $0 }.sorted { $0.key < $1.key }
        let families: [(name: String, samples: (BackendID, Values) -> [Sample])] = [
            ("picket_backend_in_rotation", { _, values in values.inRotation.map { [(nil, $0)] } ?? [] }),
            ("picket_backend_circuit_state", { _, values in values.circuit.map { [(nil, $0)] } ?? [] }),
            ("picket_backend_tls_cert_expiry_timestamp_seconds", { _, values in values.certificateExpiry.map { [(nil, $0)] } ?? [] }),
            ("picket_backend_requests_per_second", { id, _ in traffic[id].map { [(nil, $0.requestsPerSecond)] } ?? [] }),
            ("picket_backend_error_ratio", { id, _ in
                traffic[id].map { [(("class", "server_error"), $0.serverErrorRate), (("class", "gateway"), $0.gatewayFailureRate), (("class", "connect"), $0.connectFailureRate)] } ?? []
            }),
            ("picket_backend_upstream_response_seconds", { id, _ in
                guard let summary = traffic[id] else { return [] }
                return [("p50", summary.p50Seconds), ("p95", summary.p95Seconds), ("p99", summary.p99Seconds)]
                    .compactMap { percentile, value in value.map { (("percentile", percentile), $0) } }
            }),
        ]
        var text = ""
        text.reserveCapacity(rows.count * 160 * (traffic.isEmpty ? 1 : 4))
        for family in families {
            var header = false
            for (id, values) in rows {
                for sample in family.samples(id, values) {
                    if !header {
                        text += "# TYPE \(family.name) gauge\n"
                        header = true
                    }
                    let extra = sample.label.map { ",\($0.0)=\"\($0.1)\"" } ?? ""
                    text += "\(family.name){app=\"\(Self.escaped(id.app.description))\",backend=\"\(Self.escaped(id.address.description))\"\(extra)} \(sample.value)\n"
                }
            }
        }
        return text
    }

    /// A label value as the text format wants it: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
