/// One problem in a config file, located so an editor can jump to it:
/// `FILE:LINE:COL: key.path: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let keyPath: String
    public let message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// One line whatever the config held: control and invisible formatting characters in the file
    /// name, key path or the value a message quotes are written as escapes, so a value cannot break
    /// the line or forge another.
    public var description: String {
        let place = "\(file.escapingControls):\(line):\(column)"
        return keyPath.isEmpty ? "\(place): \(message.escapingControls)" : "\(place): \(keyPath.escapingControls): \(message.escapingControls)"
    }
}

extension String {
    /// Control characters, bidirectional overrides, zero-width and line-separator characters as
    /// escapes (`\n`, `\u{202E}`).
    var escapingControls: String {
        var text = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\0": text += "\\0"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator:
                    text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                default:
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text
    }
}

/// A config that could not be accepted, with every problem found (not just the first).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    /// The problems in the order they stand in the file (an editor walks them top to bottom), whatever
    /// order the decoders met them in.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.enumerated().sorted { lhs, rhs in
            (lhs.element.file, lhs.element.line, lhs.element.column, lhs.offset) < (rhs.element.file, rhs.element.line, rhs.element.column, rhs.offset)
        }.map(\.element)
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
