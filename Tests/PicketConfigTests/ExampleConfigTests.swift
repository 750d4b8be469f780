import Foundation
import PicketConfig
import Testing

@Suite struct ExampleConfigTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    @Test(arguments: ["static.yaml", "docker.yaml", "full.yaml", "lua.yaml", "fleet.yaml"])
    func exampleConfigsAreValid(name: String) throws {
        let config = try ConfigLoader.load(path: Self.examples.appendingPathComponent(name).path)
        #expect(!config.apps.isEmpty)
    }
}
