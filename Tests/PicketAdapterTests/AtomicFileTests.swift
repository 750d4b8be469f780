import Foundation
import PicketNginx
import Testing

@Suite struct AtomicFileTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("picket-atomic-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func replacesAFileAndLeavesNoTemporaryBehind() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/upstreams.conf"
        try AtomicFile.replace(path, with: Array("one\n".utf8))
        try AtomicFile.replace(path, with: Array("two\n".utf8))
        #expect(try AtomicFile.read(path) == Array("two\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["upstreams.conf"])
        #expect(try AtomicFile.read("\(directory)/missing") == nil)
    }

    /// A file bind-mounted on its own (as Docker does with `-v file:file`) cannot be renamed over:
    /// rename fails with EBUSY, and the write must fall back to rewriting it in place.
    @Test(.enabled(if: getuid() == 0, "bind mounts need root (CI runs as root)"))
    func fallsBackToAnInPlaceWriteOnASingleFileBindMount() async throws {
        let source = "\(directory)/source.conf", mounted = "\(directory)/upstreams.conf"
        try "old\n".write(toFile: source, atomically: false, encoding: .utf8)
        try "".write(toFile: mounted, atomically: false, encoding: .utf8)
        let mount = await CommandRunner.run(["mount", "--bind", source, mounted], timeout: .seconds(10))
        try #require(mount.succeeded, "mount --bind: \(mount.summary)")
        do {
            try writeThroughTheMount(source: source, mounted: mounted)
        } catch {
            Issue.record(error)
        }
        _ = await CommandRunner.run(["umount", mounted], timeout: .seconds(10))
        try FileManager.default.removeItem(atPath: directory)
    }

    private func writeThroughTheMount(source: String, mounted: String) throws {
        try AtomicFile.replace(mounted, with: Array("new and longer\n".utf8))
        #expect(try AtomicFile.read(mounted) == Array("new and longer\n".utf8))
        #expect(try AtomicFile.read(source) == Array("new and longer\n".utf8), "the bind-mounted file itself was rewritten")
        try AtomicFile.replace(mounted, with: Array("short\n".utf8))
        #expect(try AtomicFile.read(source) == Array("short\n".utf8), "an in-place write truncates what was longer")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(leftovers == ["source.conf", "upstreams.conf"])
    }
}
