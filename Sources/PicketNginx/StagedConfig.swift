import Foundation
import PicketCore

/// A copy of an nginx config file with some of its `include`s pointed at candidate files.
///
/// Validating the staged main config (`nginx -t -c COPY`) tests every candidate of a change together
/// with the operator's whole config (server blocks that `proxy_pass` to the upstreams, other includes)
/// before any of them goes live, so nginx can never load a file that failed validation. The copy sits
/// beside the main config so that relative includes resolve exactly as they do for the real one (nginx
/// resolves them against the main config's directory, also inside included files).
public struct StagedConfig: Sendable {
    public let mainConfig: String

    public init(mainConfig: String) {
        self.mainConfig = mainConfig
    }

    public var stagedPath: String {
        let url = URL(fileURLWithPath: mainConfig)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).picket-staged").path
    }

    /// The main config's text.
    public func read() throws(ApplyError) -> String {
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(mainConfig)
        } catch {
            throw ApplyError.setup(error.description)
        }
        guard let bytes else { throw ApplyError.setup("cannot read \(mainConfig): it does not exist") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` with each include of a key of `candidates` (an absolute path) pointed at its value.
    func substitute(_ candidates: [String: String], in text: String) -> String {
        let targets = Dictionary(candidates.map { (resolve($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        var result = text
        for include in IncludeScan.includes(in: text).reversed() {
            guard let candidate = targets[resolve(include.argument)] else { continue }
            result.replaceSubrange(include.range, with: "\"\(candidate)\"")
        }
        return result
    }

    /// An include's file as an absolute, standardized path.
    func resolve(_ argument: String) -> String {
        let directory = URL(fileURLWithPath: mainConfig).deletingLastPathComponent().path
        return URL(fileURLWithPath: argument.hasPrefix("/") ? argument : "\(directory)/\(argument)").standardizedFileURL.path
    }

    /// Where the main config includes each output, and what is wrong with it: an output of a context
    /// in `required` that is not included, or any output included outside its own block (`upstream`
    /// is only allowed directly inside `http {}` or `stream {}`).
    public func includeProblems(_ outputs: [(context: NginxContext, path: String)], required: Set<NginxContext>) -> [IncludeProblem] {
        let text: String
        do {
            text = try read()
        } catch {
            return outputs.filter { required.contains($0.context) }.map { IncludeProblem(context: $0.context, file: mainConfig, message: error.description) }
        }
        let includes = IncludeScan.includes(in: text)
        var problems: [IncludeProblem] = []
        for (context, path) in outputs {
            let target = resolve(path)
            let matching = includes.filter { resolve($0.argument) == target }
            for include in matching where include.blocks != [context.rawValue] {
                let place = include.blocks.isEmpty ? "at the top level" : "inside " + include.blocks.map { "\($0) {}" }.joined(separator: " > ")
                problems.append(IncludeProblem(
                    context: context, file: mainConfig, line: include.line, column: include.column,
                    message: "include \(include.argument) is \(place), but that file holds \(context.rawValue) upstreams: include it directly inside \(context.rawValue) {}"))
            }
            if matching.isEmpty, required.contains(context) {
                problems.append(IncludeProblem(
                    context: context, file: mainConfig,
                    message: "\(mainConfig) has no 'include \(path);' — add it inside the \(context.rawValue) block, "
                        + "so nginx loads Picket's upstreams and Picket can validate a staged copy"))
            }
        }
        return problems
    }
}

/// An output that the main config does not include where it must; with the include's place when there
/// is one.
public struct IncludeProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public let context: NginxContext
    public let file: String
    public var line: Int?
    public var column: Int?
    public let message: String

    public var description: String {
        guard let line, let column else { return message }
        return "\(file):\(line):\(column): \(message)"
    }
}
