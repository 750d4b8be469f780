import Foundation
import PicketCore

extension Date {
    /// `2026-11-30T16:20:32Z`, as `ISO8601DateFormatter` writes it, without ICU (see `FixedText.iso8601`).
    var iso8601: String {
        FixedText.iso8601(epochSeconds: Int64(timeIntervalSince1970.rounded(.down)))
    }
}
