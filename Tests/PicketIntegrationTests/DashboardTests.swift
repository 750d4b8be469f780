import Foundation
import NIOHTTP1
import PicketTestSupport
import Testing

/// The dashboard in a real browser (headless Chromium) against a running Picket, a real nginx and
/// three backends.
///
/// Every wait polls for what the page shows, with room for a loaded 2-core machine where Chromium starts
/// slowly; the time the page takes to show a stopped backend is printed (the goal is 3 s), not asserted.
@Suite(.serialized) struct DashboardTests {
    static let token = "test-token-0123456789"
    /// Long enough for a browser on a loaded machine; a page that works shows each thing far sooner.
    static let patience = Duration.seconds(30)
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
                #expect(await eventually(timeout: Self.patience) {
                    (try? await browser.eval("document.querySelectorAll('tr.backend').length")) as? Int == 4
                })
                #expect(await eventually(timeout: Self.patience) { (try? await browser.eval("document.getElementById('live').textContent")) as? String == "live" })
                #expect(try await browser.eval("document.getElementById('version').textContent") as? String == "v0.1.0")
                #expect((try await browser.eval("document.querySelector('section[data-app=\"web\"] .context').textContent") as? String)?.hasPrefix("nginx http {}") == true)
                _ = try await browser.eval("window.notReloaded = true")
                #expect(
                    try await browser.eval("dampingChips({flaps: 2, slow_start_step: 1}).map(e => e.textContent).join('|')") as? String
                        == "2 flaps|slow start, step 1", "flap damping and slow start are shown while they hold a backend back")
                #expect(try await browser.eval("dampingChips({flaps: 0, slow_start_step: null}).length") as? Int == 0)

                let (b, c) = (stack.backends[1].address, stack.backends[2].address)
                #expect(try await browser.eval("\(row(c)).dataset.rotation") as? String == "in")
                let stopped = ContinuousClock.now
                try await stack.backends[2].stop()
                #expect(await eventually(timeout: Self.patience) { (try? await browser.eval("\(row(c)).dataset.rotation")) as? String == "out" },
                    "the stopped backend is shown out of rotation")
                print("dashboard: the stopped backend was shown out of rotation \(ContinuousClock.now - stopped) after it stopped (goal: 3 s)")
                #expect(try await browser.eval("window.notReloaded") as? Bool == true, "without reloading the page")
                #expect(await eventually(timeout: Self.patience) {
                    (try? await browser.eval("[...document.querySelectorAll('#events li')].some(e => e.dataset.event === 'rotation_left' && e.textContent.includes('\(c)'))")) as? Bool == true
                }, "the feed shows the event")

                let drain = "\(row(b)).querySelector('button.drain')"
                #expect(try await browser.eval("\(drain).disabled") as? Bool == true, "no token, no drain")
                #expect((try await browser.eval("\(drain).title") as? String)?.contains("token") == true)
                try await browser.type("#token", Self.token)
                try await browser.click("#use-token")
                #expect(await eventually(timeout: Self.patience) { (try? await browser.eval("\(drain).disabled")) as? Bool == false })
                #expect(try await browser.eval("document.getElementById('token').value") as? String == "", "the field does not keep the token")
                #expect(try await browser.eval("localStorage.length + sessionStorage.length + document.cookie.length") as? Int == 0, "nor does storage")
                try await browser.click(#"tr[data-backend="web/\#(b)"] button.drain"#)
                #expect(await eventually(timeout: Self.patience) { !stack.nginx.output.contains(b) }, "the drain went through nginx")
                #expect(stack.logContains("audit: drain web/\(b) from 127.0.0.1"))
                #expect(await eventually(timeout: Self.patience) { (try? await browser.eval("\(row(b)).className")) as? String == "backend drained" })
                #expect(await eventually(timeout: Self.patience) { (try? await browser.eval("\(drain).textContent")) as? String == "Undrain" })
                #expect(await eventually(timeout: Self.patience) {
                    (try? await browser.eval("document.querySelector('#events li[data-event=\"operator_drain\"]') !== null")) as? Bool == true
                }, "the feed shows the drain, as the screenshot should")

                let shot = FileManager.default.temporaryDirectory.appendingPathComponent("picket-dashboard-\(UUID().uuidString.prefix(8)).png").path
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
            #expect(await eventually(timeout: Self.patience) { (try? await api.send(.GET, "/healthz"))?.status == 200 })
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
