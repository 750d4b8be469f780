import Foundation
import PicketCore

extension NginxApplier {
    /// Runs the test command against a staged main config whose includes of changed outputs point at
    /// their candidates. A context file that includes app files (`output_per_app`) gets a validation
    /// copy of its own whose includes point at the app candidates, so nginx reads every candidate.
    func validate(_ outputs: OutputSet, candidates: [String: String]) async throws(ApplyError) {
        let staged = self.staged
        var pointers = candidates
        var copies: [String] = []
        defer { for copy in copies { unlink(copy) } }
        for file in outputs.files {
            guard case .context = file.role else { continue }
            let text = staged.substitute(candidates, in: file.text)
            guard text != file.text else { continue }
            do {
                let copy = try AtomicFile.stage(Array(text.utf8), besides: file.path)
                copies.append(copy)
                pointers[file.path] = copy
            } catch {
                throw ApplyError.file(error)
            }
        }
        let main = staged.substitute(pointers, in: try staged.read())
        do {
            try AtomicFile.replace(staged.stagedPath, with: Array(main.utf8))
        } catch {
            throw ApplyError.file(error)
        }
        defer { unlink(staged.stagedPath) }
        let argv = settings.testCommand.map { $0.replacingOccurrences(of: NginxSettings.configPlaceholder, with: staged.stagedPath) }
        let result = await CommandRunner.run(argv, timeout: settings.commandTimeout)
        guard result.succeeded else {
            var message = result.summary
            var blamed: ApplyError.Blame?
            for (live, candidate) in pointers {
                if blamed == nil, let line = Self.blamedLine(in: message, file: candidate) { blamed = ApplyError.Blame(file: live, line: line) }
                message = message.replacingOccurrences(of: candidate, with: live + " (candidate)")
            }
            throw ApplyError.validation(message, blamed: blamed)
        }
    }

    /// The line of `file` that nginx's message points at (`… in FILE:LINE`), if any.
    static func blamedLine(in message: String, file: String) -> Int? {
        guard let range = message.range(of: file + ":") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }
}
