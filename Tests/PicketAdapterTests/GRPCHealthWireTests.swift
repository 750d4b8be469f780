import Testing

@testable import PicketProbes

/// The health messages' wire format, written by hand (see `GRPCHealth`): what a protobuf reader must
/// take and what it must refuse.
@Suite struct GRPCHealthWireTests {
    @Test func theStatusIsFoundBehindFieldsOfEveryWireTypeAndAbsentMeansUnknown() throws {
        let unknownFields: [UInt8] = [
            0x10, 0x96, 0x01,  // field 2, varint 150
            0x19, 1, 2, 3, 4, 5, 6, 7, 8,  // field 3, 64-bit
            0x22, 0x03, 0x61, 0x62, 0x63,  // field 4, length-delimited "abc"
            0x2D, 1, 2, 3, 4,  // field 5, 32-bit
        ]
        #expect(try GRPCHealth.Wire.status(in: unknownFields + [0x08, 0x01]) == .serving)
        #expect(try GRPCHealth.Wire.status(in: [0x08, 0x02]) == .notServing)
        #expect(try GRPCHealth.Wire.status(in: [0x08, 0x2A]) == .unrecognized(42))
        #expect(try GRPCHealth.Wire.status(in: unknownFields) == .unknown)
        #expect(try GRPCHealth.Wire.status(in: []) == .unknown, "proto3 leaves out the default")
    }

    @Test(arguments: [[0x08], [0x08, 0x80], [0x22, 0x05, 0x61], [0x19, 1, 2], [0x0B], [0xFF]] as [[UInt8]])
    func aTruncatedOrUnknownWireTypeIsMalformed(bytes: [UInt8]) {
        #expect(throws: GRPCHealth.Wire.Malformed.self) { try GRPCHealth.Wire.status(in: bytes) }
    }
}
