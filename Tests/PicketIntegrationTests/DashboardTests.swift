import Foundation
import NIOHTTP1
import PicketTestSupport
import Testing

/// The dashboard in a real browser (headless Chromium) against a running Picket, a real nginx and
/// three backends.
@Suite(.serialized) struct DashboardTests {
    static let token = "test-token-0123456789"
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs")

    func row(_ backend: String) -> String { #"document.querySelector('tr[data-backend="web/\#(backend)"]')"# }

    @Test func theDashboardFollowsHealthLiveAndDrainsWithTheToken() async throws {
        let port = freePort()
        let dead = "127.0.0.1:\(freePort())"
        let api = "\n  - name: api\n    health_check: \(Stack.defaultHealth)\n    instances: [\(dead)]\n"
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(port), token: \(Self.token)}\n", moreApps: api) { stack in
            #expect(try await stack.startPicketThenNginx())
            let browser = try await BrowserDriver()
            do {
                try await browser.open("http://127.0.0.1:\(port)/")
                #expect(await eventually(timeout: .seconds(5)) {
                    (try? await browser.eval("document.querySelectorAll('tr.backend').length")) as? Int == 4
                })
                #expect(await eventually(timeout: .seconds(5)) { (try? await browser.eval("document.getElementById('live').textContent")) as? String == "live" })
                #expect(try await browser.eval("document.getElementById('version').textContent") as? String == "v0.1.0")
                _ = try await browser.eval("window.notReloaded = true")

                let (b, c) = (stack.backends[1].address, stack.backends[2].address)
                #expect(try await browser.eval("\(row(c)).dataset.rotation") as? String == "in")
                try await stack.backends[2].stop()
                #expect(await eventually(timeout: .seconds(3)) { (try? await browser.eval("\(row(c)).dataset.rotation")) as? String == "out" },
                    "the stopped backend is shown out of rotation within 3 s")
                #expect(try await browser.eval("window.notReloaded") as? Bool == true, "without reloading the page")
                #expect(await eventually(timeout: .seconds(3)) {
                    (try? await browser.eval("[...document.querySelectorAll('#events li')].some(e => e.dataset.event === 'rotation_left' && e.textContent.includes('\(c)'))")) as? Bool == true
                }, "the feed shows the event")

                let drain = "\(row(b)).querySelector('button.drain')"
                #expect(try await browser.eval("\(drain).disabled") as? Bool == true, "no token, no drain")
                #expect((try await browser.eval("\(drain).title") as? String)?.contains("token") == true)
                try await browser.type("#token", Self.token)
                try await browser.click("#use-token")
                #expect(try await browser.eval("\(drain).disabled") as? Bool == false)
                #expect(try await browser.eval("document.getElementById('token').value") as? String == "", "the field does not keep the token")
                #expect(try await browser.eval("localStorage.length + sessionStorage.length + document.cookie.length") as? Int == 0, "nor does storage")
                try await browser.click(#"tr[data-backend="web/\#(b)"] button.drain"#)
                #expect(await eventually(timeout: .seconds(3)) { !stack.nginx.output.contains(b) }, "the drain went through nginx")
                #expect(stack.logContains("audit: drain web/\(b) from 127.0.0.1"))
                #expect(await eventually(timeout: .seconds(3)) { (try? await browser.eval("\(row(b)).className")) as? String == "backend drained" })
                #expect(await eventually(timeout: .seconds(3)) { (try? await browser.eval("\(drain).textContent")) as? String == "Undrain" })

                let shot = FileManager.default.temporaryDirectory.appendingPathComponent("picket-dashboard-\(UUID().uuidString.prefix(8)).png").path
                _ = try await browser.eval("new Promise(r => setTimeout(r, 1200))")
                try await browser.screenshot(shot, width: 1500, height: 820)
                let png = try Data(contentsOf: URL(fileURLWithPath: shot))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "a real picture: \(png.count) bytes")
                if ProcessInfo.processInfo.environment["PICKET_UPDATE_SCREENSHOT"] == "1" {
                    try? FileManager.default.removeItem(at: Self.docs.appendingPathComponent("dashboard.png"))
                    try FileManager.default.copyItem(atPath: shot, toPath: Self.docs.appendingPathComponent("dashboard.png").path)
                }
                try? FileManager.default.removeItem(atPath: shot)
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }

    @Test func thePageIsServedWithAStrictContentSecurityPolicy() async throws {
        let port = freePort()
        try await Stack.with(settings: "status: {listen: 127.0.0.1:\(port)}\n") { stack in
            try stack.startPicket()
            let api = StatusAPI(port: port)
            #expect(await eventually(timeout: .seconds(3)) { (try? await api.send(.GET, "/healthz"))?.status == 200 })
            for (path, type) in [("/", "text/html"), ("/dashboard.js", "text/javascript"), ("/dashboard.css", "text/css")] {
                let response = try await api.send(.GET, path)
                #expect(response.status == 200 && !response.body.isEmpty, "\(path)")
                #expect(response.headers.first(name: "Content-Type")?.hasPrefix(type) == true, "\(path)")
                let policy = response.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"), "\(path)")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            let page = try await api.send(.GET, "/").text
            #expect(page.contains(#"<script src="dashboard.js"></script>"#) && !page.contains("http://") && !page.contains("https://"), "no CDN")
        }
    }
}
