/// Zero-padded decimals and lowercase hexadecimal, written without Foundation's `String(format:)`:
/// that goes through ICU's locale machinery, and a log timestamp is made for every line.
public enum FixedText {
    /// `value` in decimal, padded with zeros to `width` digits (a negative value gets its sign first).
    public static func decimal(_ value: Int, width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }

    /// Each byte as two lowercase hexadecimal digits.
    public static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension FixedText {
    /// `2026-11-30T16:20:32Z` (with `.123` before the Z when `milliseconds` is given): ISO 8601 in UTC,
    /// as `ISO8601DateFormatter` writes it, from the proleptic Gregorian calendar's arithmetic. Foundation's
    /// formatter opens ICU's calendar, time-zone and number-format data (about 6 MiB resident) for it.
    public static func iso8601(epochSeconds: Int64, milliseconds: Int? = nil) -> String {
        let (year, month, day) = civil(daysSinceEpoch: daysSinceEpoch(epochSeconds))
        let date = "\(decimal(Int(year), width: 4))-\(decimal(month, width: 2))-\(decimal(day, width: 2))"
        return "\(date)T\(timeOfDay(epochSeconds: epochSeconds, milliseconds: milliseconds))Z"
    }

    /// `16:20:32` (with `.123` when `milliseconds` is given), the UTC time of day of an instant.
    public static func timeOfDay(epochSeconds: Int64, milliseconds: Int? = nil) -> String {
        let secondOfDay = Int(epochSeconds - daysSinceEpoch(epochSeconds) * 86_400)
        let time = "\(decimal(secondOfDay / 3600, width: 2)):\(decimal(secondOfDay / 60 % 60, width: 2)):\(decimal(secondOfDay % 60, width: 2))"
        return time + (milliseconds.map { ".\(decimal($0, width: 3))" } ?? "")
    }

    /// Whole days since 1970-01-01, rounded down (an instant before 1970 belongs to the day it falls in).
    static func daysSinceEpoch(_ epochSeconds: Int64) -> Int64 {
        epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
    }

    /// Year, month and day of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(daysSinceEpoch: Int64) -> (year: Int64, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
