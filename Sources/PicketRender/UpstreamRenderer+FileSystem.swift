import Foundation

extension UpstreamRenderer {
    /// The renderer for `path`, or the built-in one when no template is configured.
    public static func load(path: String?) throws(RenderError) -> UpstreamRenderer {
        guard let path else { return builtIn }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RenderError.unreadable(path: path, detail: error.localizedDescription)
        }
        return try UpstreamRenderer(text: text, name: path)
    }
}
