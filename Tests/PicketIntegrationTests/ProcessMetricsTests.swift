import Foundation
import Testing

@testable import PicketRuntime

@Suite struct ProcessMetricsTests {
    /// Names of every length readdir can return, many records to a buffer, so that records end at
    /// buffer ends: each is counted once, `.` and `..` are not.
    @Test func entryCountCountsEveryNameOfEveryLengthAndNotTheDotEntries() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-entries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let names = (1...255).flatMap { length in (0..<8).map { copy in "\(copy)" + String(repeating: "x", count: length - 1) } }
        for name in names {
            #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil))
        }
        #expect(ProcessMetrics.entryCount(of: directory.path) == names.count)
        #expect(ProcessMetrics.entryCount(of: directory.appendingPathComponent("missing").path) == nil)
    }

    @Test func openDescriptorsAreReadFromProcSelf() throws {
        let metrics = try #require(ProcessMetrics.current())
        #expect(metrics.openDescriptors > 2)
        #expect(metrics.openDescriptors <= metrics.maxDescriptors)
    }
}
