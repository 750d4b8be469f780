/// The files one upstream set becomes, as the renderer hands them to the applier: they are validated
/// together, swapped together and followed by one reload, so nginx never loads half of a change.
public struct OutputSet: Hashable, Sendable {
    public var files: [OutputFile]
    /// With `nginx.output_per_app`, the directory of the app files: a file there that begins with
    /// `marker` and is not in `files` belonged to an app that is gone, and is removed in the same swap.
    public var appDirectory: String?
    /// The first line of every file Picket writes.
    public var marker: String

    public init(files: [OutputFile], appDirectory: String? = nil, marker: String) {
        self.files = files
        self.appDirectory = appDirectory
        self.marker = marker
    }
}

/// One file of an `OutputSet`.
public struct OutputFile: Hashable, Sendable {
    public enum Role: Hashable, Sendable {
        /// `nginx.output` or `nginx.stream_output`: included by nginx.conf inside that block.
        case context(NginxContext)
        /// One app's upstream, included by its context's file (`nginx.output_per_app`).
        case app(AppName)
    }

    public let path: String
    public let role: Role
    public let text: String

    public init(path: String, role: Role, text: String) {
        self.path = path
        self.role = role
        self.text = text
    }
}

extension NginxSettings {
    /// The file nginx.conf includes inside `context {}`; nil when the config names none.
    public func contextOutput(_ context: NginxContext) -> String? {
        switch context {
        case .http: return output
        case .stream: return streamOutput
        }
    }

    /// Where an app's upstream goes when each app has a file of its own.
    public func appOutput(_ app: AppName) -> String? {
        outputPerApp.map { "\($0)/\(app).conf" }
    }
}
