import Foundation
import PicketConfig
import Testing

@Suite struct ExampleConfigTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    @Test(arguments: ["static.yaml", "docker.yaml", "full.yaml"])
    func exampleConfigsAreValid(name: String) throws {
        let config = try ConfigLoader.load(path: Self.examples.appendingPathComponent(name).path)
        #expect(!config.apps.isEmpty)
    }

    @Test func theFullExampleSetsEveryKey() throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("full.yaml"), encoding: .utf8)
        let keys = ["type", "enabled", "path", "port", "method", "headers", "body", "expected_status_codes", "expected_body",
            "initial_delay", "interval", "timeout", "failure_threshold", "success_threshold", "max_retries", "max_response_time",
            "jitter", "recovery_timeout", "max_probe_interval", "flap_window", "hold_down", "max_hold_down", "fast_interval", "down_interval",
            "slow_start", "probe_data", "expected_response",
            "balance", "keepalive", "max_fails", "fail_timeout", "when_all_down", "weight", "backup", "drain",
            "template", "test_command", "reload_command", "pid_file", "command_timeout", "quiet", "max", "resync_interval", "max_concurrent",
            "socket", "call_timeout", "selector", "network", "enabled", "after_open", "after_failures", "drain_timeout", "stop_timeout",
            "max_restarts", "restart_window", "backoff", "initial", "recreate", "max_in_flight",
            "listen", "token", "retention", "queue_size", "max_retries", "webhooks", "url", "min_severity", "events"]
        for key in keys {
            #expect(text.contains("\(key):"), "examples/full.yaml does not document \(key)")
        }
    }
}
