/// LEB128 variable-length integers (protobuf's varints): small numbers in one byte. The state store
/// packs checks and latency sketches with them, and the gRPC health check writes and reads its two
/// messages with them.
public enum Varint {
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    public static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }

    public struct Reader {
        private let bytes: [UInt8]
        private var position = 0

        public init(_ bytes: [UInt8]) { self.bytes = bytes }

        public var atEnd: Bool { position >= bytes.count }

        public mutating func next() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count, shift < 64 {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }

        /// The next 8 bytes as a Double (little-endian bit pattern).
        public mutating func nextDouble() -> Double? {
            guard position + 8 <= bytes.count else { return nil }
            var bits: UInt64 = 0
            for offset in 0..<8 { bits |= UInt64(bytes[position + offset]) << (8 * UInt64(offset)) }
            position += 8
            return Double(bitPattern: bits)
        }

        public mutating func nextByte() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        /// Steps over `count` bytes; false when fewer are left.
        public mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, count <= bytes.count - position else { return false }
            position += count
            return true
        }
    }

    public static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
        let bits = value.bitPattern
        for offset in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(offset)))) }
    }
}
