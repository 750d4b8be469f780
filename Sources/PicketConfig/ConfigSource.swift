/// Where each key of a loaded config was written, so that checks made after loading (the template,
/// nginx's main config, the environment) point at the line that caused them.
public struct ConfigSource: Hashable, Sendable {
    public struct Location: Hashable, Sendable {
        public let line: Int
        public let column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    public let file: String
    let marks: [String: Location]

    public init(file: String, marks: [String: Location] = [:]) {
        self.file = file
        self.marks = marks
    }

    /// Every key path the config wrote, as `apps[0].health_check.interval`.
    public var writtenKeyPaths: Set<String> { Set(marks.keys) }

    /// Whether the config wrote `keyPath` (else its default applies).
    public func wrote(_ keyPath: String) -> Bool { marks[keyPath] != nil }

    /// A diagnostic at `keyPath`'s value, or at the top of the file when the key was not written.
    public func diagnostic(_ keyPath: String, _ message: String) -> Diagnostic {
        let location = marks[keyPath] ?? Location(line: 1, column: 1)
        return Diagnostic(file: file, line: location.line, column: location.column, keyPath: keyPath, message: message)
    }
}

/// A config as loaded: the validated settings, where each key was written, and the warnings worth
/// saying (a status server beyond loopback) that do not refuse it.
public struct LoadedConfig: Sendable {
    public let configuration: PicketConfiguration
    public let source: ConfigSource
    public let warnings: [Diagnostic]
}
