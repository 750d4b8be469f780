import Logging
import PicketCore
import PicketNginx

/// Log lines for applies: one `upstream` line per server that joins or leaves, then one for the result,
/// which also lists the changes (`upstream_changes`), so that the JSON line, and the event stream, carry
/// the whole diff in one event.
enum ApplyLog {
    static func log(_ plan: ApplyPlan, _ report: NginxApplier.Report, route: ApplyRoute, to logger: Logger) {
        var metadata: Logger.Metadata = [
            "event": "apply", "reason": "\(plan.reason.rawValue)", "changes": .stringConvertible(plan.changes.count),
            "bytes": .stringConvertible(report.bytes), "files": .stringConvertible(report.files), "duration_ms": .stringConvertible(milliseconds(report.total)),
            "path": "file",
        ]
        // In reload mode every apply takes the file path; in lua mode the log says why this one did.
        var why = ""
        if case .file(let fileReason) = route, fileReason != .reloadMode {
            metadata["path_reason"] = "\(words(fileReason))"
            why = " through the file, as \(words(fileReason))"
        }
        if !plan.changes.isEmpty { metadata["upstream_changes"] = .array(plan.changes.map(changeMetadata).map(Logger.MetadataValue.dictionary)) }
        switch report.outcome {
        case .applied:
            logChanges(plan, to: logger)
            metadata["validate_ms"] = .stringConvertible(milliseconds(report.validation))
            metadata["reload_ms"] = .stringConvertible(milliseconds(report.reload))
            metadata["result"] = "applied"
            logger.notice(
                "upstream applied\(why) (\(plan.reason.rawValue), \(plan.changes.count) changes): validated in \(rounded(report.validation))ms, nginx reloaded in \(rounded(report.reload))ms, \(rounded(report.total))ms in all",
                metadata: metadata)
        case .unchanged:
            metadata["result"] = "unchanged"
            let level: Logger.Level = plan.reason == .resync ? .debug : .info
            logger.log(level: level, "upstream file already up to date\(why) (\(plan.reason.rawValue)): no write, no reload", metadata: metadata)
        case .failed(let error):
            metadata["result"] = "failed"
            metadata["stage"] = "\(error.stage.rawValue)"
            metadata["error"] = "\(error)"
            let kept = error.stage.touchedLiveFile ? "the previous file was restored" : "the live file was not touched"
            logger.error("upstream apply failed at \(error.stage.rawValue) (\(plan.changes.count) changes pending): \(error); \(kept)", metadata: metadata)
        }
    }

    /// An apply that went through the Lua balancer: pushed, no file written, no reload.
    static func lua(_ plan: ApplyPlan, generation: String, took: Duration, to logger: Logger) {
        logChanges(plan, to: logger)
        var metadata: Logger.Metadata = [
            "event": "apply", "reason": "\(plan.reason.rawValue)", "changes": .stringConvertible(plan.changes.count), "path": "lua",
            "result": "applied", "generation": "\(generation)", "duration_ms": .stringConvertible(milliseconds(took)),
        ]
        if !plan.changes.isEmpty { metadata["upstream_changes"] = .array(plan.changes.map(changeMetadata).map(Logger.MetadataValue.dictionary)) }
        let level: Logger.Level = plan.reason == .resync ? .debug : .notice
        logger.log(level: level,
            "upstream applied through lua (\(plan.reason.rawValue), \(plan.changes.count) changes): generation \(generation) pushed in \(rounded(took))ms, no reload",
            metadata: metadata)
    }

    private static func logChanges(_ plan: ApplyPlan, to logger: Logger) {
        for change in plan.changes {
            logger.notice("upstream \(change.app) \(change.line)", metadata: changeMetadata(change).merging(["event": "upstream_change"]) { $1 })
        }
    }

    /// Why an apply took the file path, for the log.
    static func words(_ reason: ApplyRoute.FileReason) -> String {
        switch reason {
        case .reloadMode: return "nginx.mode is reload"
        case .noLiveFile: return "the file is written first after a start, or after a config reload that renders it differently"
        case .appsChanged: return "apps were added or removed"
        case .structure(let app): return "\(app)'s upstream changed beyond its servers and weights"
        case .notCarried(let app): return "the lua balancer cannot carry \(app) (balance method, stream context or a server that is not an IPv4 address)"
        case .noServer(let app): return "no server of \(app) may take traffic (nginx's down lines answer 502)"
        case .pushFailed(let error): return "the lua push failed: \(error)"
        }
    }

    private static func changeMetadata(_ change: UpstreamChange) -> Logger.Metadata {
        ["app": "\(change.app)", "backend": "\(change.address)", "change": "\(change.direction == .added ? "added" : "removed")", "reason": "\(change.reasonWords)"]
    }

    static func bootstrap(_ report: NginxApplier.Report, outputs: [String], to logger: Logger) {
        switch report.outcome {
        case .applied, .unchanged:
            logger.notice("upstream initial file written to \(outputs.joined(separator: ", ")) with every instance (validated; nginx can start)",
                metadata: ["event": "bootstrap", "result": "applied"])
        case .failed(let error):
            logger.error("upstream initial file could not be written: \(error)", metadata: ["event": "bootstrap", "result": "failed"])
        }
    }

    /// Milliseconds to a tenth, as a number for the JSON log.
    private static func milliseconds(_ duration: Duration?) -> Double {
        ((duration?.milliseconds ?? 0) * 10).rounded() / 10
    }

    private static func rounded(_ duration: Duration?) -> String {
        guard let duration else { return "0" }
        let ms = (duration.milliseconds * 10).rounded() / 10
        return ms == ms.rounded() ? String(Int(ms)) : String(ms)
    }
}

extension NginxApplier.Report {
    /// The outcome for the core; a validation failure nginx blamed on a line inside one upstream block
    /// of one of the `outputs` is that app's rejection.
    func coreOutcome(rendered outputs: OutputSet) -> ApplyOutcome {
        switch outcome {
        case .applied: return .applied
        case .unchanged: return .unchanged
        case .failed(.validation(let message, let blamed?)):
            guard let file = outputs.files.first(where: { $0.path == blamed.file }),
                let app = UpstreamBlame.app(atLine: blamed.line, in: file.text)
            else { return .failed(message) }
            return .rejected(app: app, message)
        case .failed(let error): return .failed(error.description)
        }
    }
}

/// Which upstream block of a rendered file holds a given line: the nearest `upstream NAME {` above it.
/// Any template must write those lines for nginx, so this holds for custom templates too.
enum UpstreamBlame {
    static func app(atLine line: Int, in text: String) -> AppName? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        for candidate in lines[..<line].reversed() {
            let words = candidate.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.first == "upstream", words.count >= 2 else { continue }
            let name = words[1].hasSuffix("{") ? words[1].dropLast() : words[1]
            return try? AppName(validating: String(name))
        }
        return nil
    }
}
