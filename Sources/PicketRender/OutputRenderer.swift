import PicketCore

/// Turns an `UpstreamSet` into the files nginx includes: the http apps' upstreams into `nginx.output`
/// and the stream apps' into `nginx.stream_output`, each context with its own template; or, with
/// `nginx.output_per_app`, one file per app with those two files holding only their apps' `include`
/// lines. Every file starts with `UpstreamRenderer.header`, which also marks the app files Picket may
/// remove once their app is gone.
public struct OutputRenderer: Sendable {
    public let settings: NginxSettings
    public let http: UpstreamRenderer
    public let stream: UpstreamRenderer

    public init(settings: NginxSettings, http: UpstreamRenderer = .builtIn, stream: UpstreamRenderer = .builtInStream) {
        self.settings = settings
        self.http = http
        self.stream = stream
    }

    public func render(_ set: UpstreamSet) -> OutputSet {
        var files: [OutputFile] = []
        for context in NginxContext.allCases {
            guard let path = settings.contextOutput(context) else { continue }
            let upstreams = set.upstreams.filter { $0.context == context }
            let blocks = renderer(context).blocks(upstreams, mode: settings.mode)
            guard settings.outputPerApp != nil else {
                files.append(OutputFile(path: path, role: .context(context), text: UpstreamRenderer.file(blocks)))
                continue
            }
            var includes = UpstreamRenderer.header
            for (upstream, block) in zip(upstreams, blocks) {
                guard let appPath = settings.appOutput(upstream.name) else { continue }
                files.append(OutputFile(path: appPath, role: .app(upstream.name), text: UpstreamRenderer.file([block])))
                includes += "include \(appPath);\n"
            }
            files.append(OutputFile(path: path, role: .context(context), text: includes))
        }
        return OutputSet(files: files, appDirectory: settings.outputPerApp, marker: UpstreamRenderer.header)
    }

    private func renderer(_ context: NginxContext) -> UpstreamRenderer {
        switch context {
        case .http: return http
        case .stream: return stream
        }
    }
}

extension UpstreamRenderer {
    /// The built-in stream template.
    public static let builtInStream: UpstreamRenderer = try! UpstreamRenderer(text: DefaultStreamTemplate.text, name: DefaultStreamTemplate.name)
}
