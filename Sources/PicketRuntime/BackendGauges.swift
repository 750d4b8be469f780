import Foundation
import NIOConcurrencyHelpers
import PicketCore

/// The two gauges of every backend, `picket_backend_in_rotation` and `picket_backend_circuit_state`,
/// kept in one table and written out at `/metrics` after the registry's metrics. swift-prometheus copies
/// a metric family's whole table for every new series, so registering two series for each of 20,000
/// backends held the control loop for ~20 s at start-up (and first probes that late); here a backend
/// costs one table entry, about a tenth of the memory too.
final class BackendGauges: Sendable {
    private struct Values {
        var inRotation: Double?
        var circuit: Double?
    }

    private let values = NIOLockedValueBox<[BackendID: Values]>([:])

    func setInRotation(_ id: BackendID, _ value: Double) {
        values.withLockedValue { $0[id, default: Values()].inRotation = value }
    }

    func setCircuit(_ id: BackendID, _ value: Double) {
        values.withLockedValue { $0[id, default: Values()].circuit = value }
    }

    func forget(_ id: BackendID) {
        _ = values.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Both families in the Prometheus text format, backends in order.
    func exposition() -> String {
        let rows = values.withLockedValue { $0 }.sorted { $0.key < $1.key }
        var text = ""
        text.reserveCapacity(rows.count * 160)
        for (name, value) in [("picket_backend_in_rotation", \Values.inRotation), ("picket_backend_circuit_state", \Values.circuit)] {
            let family = rows.compactMap { id, values in values[keyPath: value].map { (id, $0) } }
            guard !family.isEmpty else { continue }
            text += "# TYPE \(name) gauge\n"
            for (id, value) in family {
                text += "\(name){app=\"\(Self.escaped(id.app.description))\",backend=\"\(Self.escaped(id.address.description))\"} \(value)\n"
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
