import Foundation
import Logging
import NIOConcurrencyHelpers
import PicketRuntime
import Testing

@Suite struct LogFormatTests {
    func lines(_ format: PicketLogHandler.Format, _ body: (Logger) -> Void) -> [String] {
        let collected = NIOLockedValueBox<[String]>([])
        let sink = LineSink { line in collected.withLockedValue { $0.append(line) } }
        body(Logger(label: "test") { PicketLogHandler(label: $0, format: format, level: .info, sink: sink) })
        return collected.withLockedValue { $0 }
    }

    @Test func jsonLinesAreOneObjectEachWithEveryMetadataKeyAndSafeEscaping() throws {
        let output = lines(.json) { logger in
            logger.warning("backend web/127.0.0.1:8002 up → down (\"quoted\"\nsecond line)", metadata: ["event": "transition", "failure.class": "refused"])
            logger.debug("not logged below info")
        }
        #expect(output.count == 1)
        let line = try #require(output.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "a message with a newline still makes one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["event"] == "transition")
        #expect(object["failure.class"] == "refused")
        #expect(object["msg"] == "backend web/127.0.0.1:8002 up → down (\"quoted\"\nsecond line)")
        #expect(object["ts"]?.hasSuffix("Z") == true)
    }

    @Test func numbersInJSONLinesAreNumbers() throws {
        let output = lines(.json) { logger in
            logger.notice("upstream applied", metadata: [
                "event": "apply", "changes": .stringConvertible(2), "reload_ms": .stringConvertible(0.3), "probe.status": .stringConvertible(200),
            ])
        }
        let line = try #require(output.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["changes"] as? Int == 2)
        #expect(object["reload_ms"] as? Double == 0.3)
        #expect(object["probe.status"] as? Int == 200)
        #expect(object["event"] as? String == "apply")
    }

    @Test func textLinesCarryTimestampLevelAndMessageOnOneLine() {
        let output = lines(.text) {
            $0.notice("upstream web - 127.0.0.1:8002 (down: 2× refused)", metadata: ["event": "upstream_change"])
            $0.error("nginx said:\nline two")
        }
        #expect(output.count == 2)
        #expect(output[1].hasSuffix("nginx said:\\nline two\n"))
        #expect(output[0].contains(" NOTICE  upstream web - 127.0.0.1:8002 (down: 2× refused)\n"))
        #expect(output[0].range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#, options: .regularExpression) != nil)
    }
}
