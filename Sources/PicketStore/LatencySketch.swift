import PicketCore
import Foundation

/// Latencies (milliseconds) in logarithmic buckets, as DDSketch keeps them: bucket `i` holds the values
/// in (γ^(i-1), γ^i] with γ = (1 + α) / (1 - α), and reads back as 2γ^i / (γ + 1), which is within ±α
/// (relative) of every value in it. Merging is adding counts, so the sketches of single minutes add up
/// to any window, and a percentile read from them is off by at most α = 1 %.
struct LatencySketch: Equatable {
    static let accuracy = 0.01
    static let gamma = (1 + accuracy) / (1 - accuracy)
    private static let logGamma = log(gamma)
    /// Values at or below this (1 µs) count in a bucket of their own that reads back as 0.
    static let floor = 0.001

    /// Bucket index → count; `zeros` for values at or below `floor`.
    private(set) var buckets: [Int32: Int] = [:]
    private(set) var zeros = 0
    private(set) var count = 0

    mutating func add(_ milliseconds: Double) {
        count += 1
        guard milliseconds > Self.floor else {
            zeros += 1
            return
        }
        buckets[Int32((log(milliseconds) / Self.logGamma).rounded(.up)), default: 0] += 1
    }

    mutating func merge(_ other: LatencySketch) {
        count += other.count
        zeros += other.zeros
        buckets.merge(other.buckets, uniquingKeysWith: +)
    }

    /// The value of rank `rank` (1 = smallest), within ±α.
    func value(atRank rank: Int) -> Double? {
        guard rank >= 1, rank <= count else { return nil }
        if rank <= zeros { return 0 }
        var seen = zeros
        for index in buckets.keys.sorted() {
            seen += buckets[index]!
            if seen >= rank { return 2 * pow(Self.gamma, Double(index)) / (Self.gamma + 1) }
        }
        return nil
    }

    /// Compact bytes for the database: the count at or below `floor`, then the buckets in index order.
    /// A bucket at most 32 indexes after the previous one with a count of at most 4 (nearly all of a
    /// minute's) takes one byte: `0ccddddd`, count - 1 and delta - 1; any other takes a 0x80 byte and
    /// two LEB128 varints, the delta (zigzag) and the count. About one byte a bucket.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + buckets.count)
        Varint.append(UInt64(zeros), to: &bytes)
        var previous: Int32?
        for index in buckets.keys.sorted() {
            let count = buckets[index]!
            if let previous, (1...32).contains(index - previous), (1...4).contains(count) {
                bytes.append(UInt8(count - 1) << 5 | UInt8(index - previous - 1))
            } else {
                bytes.append(0x80)
                Varint.append(Varint.zigzag(Int64(index - (previous ?? 0))), to: &bytes)
                Varint.append(UInt64(count), to: &bytes)
            }
            previous = index
        }
        return bytes
    }

    init() {}

    /// Reads `encoded()` bytes; nil when they are not a sketch.
    init?(encoded bytes: [UInt8]) {
        var reader = Varint.Reader(bytes)
        guard let zeros = reader.next() else { return nil }
        self.zeros = Int(zeros)
        count = Int(zeros)
        var index: Int32 = 0
        while let byte = reader.nextByte() {
            let bucketCount: Int
            if byte & 0x80 == 0 {
                index += Int32(byte & 0x1f) + 1
                bucketCount = Int(byte >> 5) + 1
            } else {
                guard let delta = reader.next(), let long = reader.next() else { return nil }
                index += Int32(truncatingIfNeeded: Varint.unzigzag(delta))
                bucketCount = Int(long)
            }
            buckets[index, default: 0] += bucketCount
            count += bucketCount
        }
    }
}
