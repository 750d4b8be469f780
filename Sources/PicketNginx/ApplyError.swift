/// Why an apply did not happen, by stage, so an operator knows whether nginx saw anything.
public enum ApplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Picket cannot work with the nginx setup (missing include, unreadable main config).
    case setup(String)
    /// Writing or moving the file failed; nothing changed.
    case file(FileError)
    /// `nginx -t` refused the candidate; the live file was not touched. `candidateLine` is the line of
    /// the candidate nginx blamed, when it named one.
    case validation(String, candidateLine: Int?)
    /// The reload failed or nginx died; the previous file was put back.
    case reload(String)

    public var stage: ApplyStage {
        switch self {
        case .setup: return .setup
        case .file: return .write
        case .validation: return .validate
        case .reload: return .reload
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
