import GRPCCore
import PicketCore

/// The two messages of `grpc.health.v1.Health/Check` (grpc/grpc-proto `grpc/health/v1/health.proto`),
/// written by hand: each has one field, so a few lines of protobuf wire format replace swift-protobuf
/// and generated code (and `protoc` at build time). grpc-swift-2, its NIO transport and
/// grpc-swift-protobuf ship no health messages of their own.
enum GRPCHealth {
    static let check = MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check")

    /// `HealthCheckResponse.ServingStatus`.
    enum ServingStatus: Equatable, Sendable {
        case unknown, serving, notServing, serviceUnknown
        case unrecognized(UInt64)

        init(_ value: UInt64) {
            switch value {
            case 0: self = .unknown
            case 1: self = .serving
            case 2: self = .notServing
            case 3: self = .serviceUnknown
            default: self = .unrecognized(value)
            }
        }

        /// As health.proto spells it, for evidence.
        var name: String {
            switch self {
            case .unknown: return "UNKNOWN"
            case .serving: return "SERVING"
            case .notServing: return "NOT_SERVING"
            case .serviceUnknown: return "SERVICE_UNKNOWN"
            case .unrecognized(let value): return "status \(value)"
            }
        }
    }

    /// `HealthCheckRequest { string service = 1; }`: field 1, wire type 2 (tag byte 0x0A), a varint length,
    /// the UTF-8 bytes; nothing at all for the empty name (proto3 leaves out default values).
    struct RequestSerializer: MessageSerializer {
        func serialize<Bytes: GRPCContiguousBytes>(_ service: String) throws -> Bytes {
            let name = Array(service.utf8)
            guard !name.isEmpty else { return Bytes([]) }
            var bytes: [UInt8] = [0x0A]
            Varint.append(UInt64(name.count), to: &bytes)
            return Bytes(bytes + name)
        }
    }

    /// `HealthCheckResponse { ServingStatus status = 1; }`: field 1 as a varint (tag byte 0x08); other
    /// fields are skipped by wire type, as protobuf readers must; absent means UNKNOWN (0).
    struct ResponseDeserializer: MessageDeserializer {
        func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ServingStatus {
            try Wire.status(in: serializedMessageBytes.withUnsafeBytes { Array($0) })
        }
    }

    enum Wire {
        struct Malformed: Error, CustomStringConvertible {
            var description: String { "malformed HealthCheckResponse" }
        }

        static func status(in bytes: [UInt8]) throws -> ServingStatus {
            var reader = Varint.Reader(bytes)
            var status: UInt64 = 0
            while !reader.atEnd {
                guard let key = reader.next() else { throw Malformed() }
                let read: Bool
                switch (key >> 3, key & 7) {
                case (1, 0):
                    guard let value = reader.next() else { throw Malformed() }
                    status = value
                    read = true
                case (_, 0): read = reader.next() != nil
                case (_, 1): read = reader.skip(8)
                case (_, 2): read = reader.next().map { reader.skip(Int(clamping: $0)) } ?? false
                case (_, 5): read = reader.skip(4)
                default: read = false
                }
                guard read else { throw Malformed() }
            }
            return ServingStatus(status)
        }
    }
}
