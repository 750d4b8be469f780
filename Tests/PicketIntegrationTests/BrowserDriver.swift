import Foundation
import PicketHTTPClient
import PicketTestSupport
import NIOPosix

/// A headless Chromium (Debian's `chromium`) driven through the DevTools protocol by `Scripts/browser.py`.
final class BrowserDriver {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/browser.py").path

    private let process: ChildProcess
    private let transport: HTTPTransport

    init() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("picket-browser-\(UUID().uuidString.prefix(8)).log").path
        let process = try ChildProcess(["/usr/bin/python3", Self.script, "chromium"], logPath: log)
        guard await eventually(timeout: .seconds(60), { process.logContains("browser control on ") }),
            let port = process.log.split(separator: "\n").first.flatMap({ Int($0.split(separator: " ").last ?? "") })
        else {
            await process.stop()
            throw BrowserError(message: "the browser did not start: \(process.log)")
        }
        self.process = process
        transport = HTTPTransport(endpoint: .tcp(host: "127.0.0.1", port: port), group: MultiThreadedEventLoopGroup.singleton)
    }

    struct BrowserError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Sends one command; returns its value.
    @discardableResult
    func send(_ command: [String: Any]) async throws -> Any? {
        let body = try JSONSerialization.data(withJSONObject: command)
        let response = try await transport.send(.POST, "/", body: Array(body), timeout: .seconds(60))
        let answer = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        if let error = answer["error"] as? String { throw BrowserError(message: error) }
        return answer["value"]
    }

    func open(_ url: String) async throws { try await send(["method": "open", "url": url]) }

    func eval(_ expression: String) async throws -> Any? { try await send(["method": "eval", "expression": expression]) }

    func click(_ selector: String) async throws { try await send(["method": "click", "selector": selector]) }

    func type(_ selector: String, _ text: String) async throws { try await send(["method": "type", "selector": selector, "text": text]) }

    func screenshot(_ path: String, width: Int, height: Int) async throws {
        try await send(["method": "screenshot", "path": path, "width": width, "height": height])
    }

    func quit() async {
        _ = try? await send(["method": "quit"])
        await process.stop()
        try? FileManager.default.removeItem(atPath: process.logPath)
    }
}
