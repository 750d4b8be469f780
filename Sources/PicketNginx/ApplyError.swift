/// Why an apply did not happen, by stage, so an operator knows whether nginx saw anything.
public enum ApplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Picket cannot work with the nginx setup (missing include, unreadable main config).
    case setup(String)
    /// Writing or moving the file failed; nothing changed.
    case file(FileError)
    /// `nginx -t` refused the candidates; no live file was touched. `blamed` is the output whose
    /// candidate nginx blamed, and the line, when it named one.
    case validation(String, blamed: Blame?)
    /// The reload failed or nginx died; the previous files were put back.
    case reload(String)

    public var stage: ApplyStage {
        switch self {
        case .setup: return .setup
        case .file: return .write
        case .validation: return .validate
        case .reload: return .reload
        }
    }

    /// A line of one output that nginx's message points at.
    public struct Blame: Hashable, Sendable {
        /// The live path of the output whose candidate nginx blamed.
        public let file: String
        public let line: Int

        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
    }

    public var description: String {
        switch self {
        case .setup(let message): return message
        case .file(let error): return error.description
        case .validation(let message, _): return "nginx rejected the candidate: \(message)"
        case .reload(let message): return "reload failed: \(message)"
        }
    }
}

/// The stage of an apply that failed; its raw value is the word logs and metrics use.
public enum ApplyStage: String, Hashable, Sendable, CaseIterable {
    case setup, write, validate, reload

    /// Only a failed reload can have touched the live file (and it was put back).
    public var touchedLiveFile: Bool { self == .reload }
}
