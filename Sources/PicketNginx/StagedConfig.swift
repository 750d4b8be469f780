import Foundation

/// A copy of the main nginx.conf that includes a candidate file in place of Picket's live output.
///
/// Validating this copy (`nginx -t -c COPY`) tests the candidate together with the operator's whole
/// config (server blocks that `proxy_pass` to the upstreams, other includes) before the candidate goes
/// live, so nginx can never load a file that failed validation. The copy sits beside the main config so
/// that relative includes resolve exactly as they do for the real one.
public struct StagedConfig: Sendable {
    public let mainConfig: String
    public let output: String

    public init(mainConfig: String, output: String) {
        self.mainConfig = mainConfig
        self.output = output
    }

    public var stagedPath: String {
        let url = URL(fileURLWithPath: mainConfig)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).picket-staged").path
    }

    /// The main config's text with every `include` of the output pointed at `candidate`.
    public func substitute(candidate: String) throws(ApplyError) -> String {
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(mainConfig)
        } catch {
            throw ApplyError.setup(error.description)
        }
        guard let bytes else { throw ApplyError.setup("cannot read \(mainConfig): it does not exist") }
        let text = String(decoding: bytes, as: UTF8.self)
        let directory = URL(fileURLWithPath: mainConfig).deletingLastPathComponent().path
        let target = URL(fileURLWithPath: output).standardizedFileURL.path
        var found = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var rewritten = String(line)
            for match in code.matches(of: #/\binclude\s+("[^"]*"|'[^']*'|[^\s;'"]+)\s*;/#) {
                let raw = String(match.output.1)
                let argument = raw.first == "\"" || raw.first == "'" ? String(raw.dropFirst().dropLast()) : raw
                let resolved = argument.hasPrefix("/") ? argument : "\(directory)/\(argument)"
                guard URL(fileURLWithPath: resolved).standardizedFileURL.path == target else { continue }
                found = true
                rewritten = rewritten.replacingOccurrences(of: String(match.output.0), with: "include \(candidate);")
            }
            return rewritten
        }
        guard found else {
            throw ApplyError.setup(
                "\(mainConfig) has no 'include \(output);' — add it inside the http block, "
                    + "so nginx loads Picket's upstreams and Picket can validate a staged copy")
        }
        return lines.joined(separator: "\n")
    }
}
