/// Where the shell finds nginx and how it validates and reloads it. The core only carries these values;
/// they are here so that config, runtime and the nginx adapter share one definition.
public struct NginxSettings: Hashable, Sendable {
    /// The mustache template of one upstream block; nil means the built-in `upstream.conf.mustache`.
    public var template: String?
    /// The file Picket owns for `http {}` apps; nginx.conf must `include` it inside `http {}`.
    public var output: String
    /// The file for `stream {}` apps, included inside `stream {}`; needed once an app lives there.
    public var streamOutput: String?
    /// When set, each app gets a file of its own in this directory, and `output` / `streamOutput` hold
    /// only the `include` lines of their context's app files.
    public var outputPerApp: String?
    /// The mustache template of one stream upstream block; nil means the built-in one.
    public var streamTemplate: String?
    /// The main nginx.conf: a staged copy of it, including the candidate instead of `output`, is what
    /// `testCommand` validates before anything goes live.
    public var mainConfig: String
    /// argv run to validate; `{config}` is replaced by the staged main config's path.
    public var testCommand: [String]
    /// argv run to reload nginx; when nil, SIGHUP is sent to the pid in `pidFile`.
    public var reloadCommand: [String]?
    /// nginx's master pid file: the SIGHUP target, and how a reload is confirmed to leave nginx alive.
    public var pidFile: String?
    /// How long validation or reload may take before it counts as failed.
    public var commandTimeout: Duration
    /// Whether membership changes go through reloads or through the Lua balancer.
    public var mode: NginxMode
    /// The sync endpoint, used in `lua` mode.
    public var lua: LuaSyncSettings

    public init(
        template: String? = nil,
        output: String,
        streamOutput: String? = nil,
        outputPerApp: String? = nil,
        streamTemplate: String? = nil,
        mainConfig: String = "/etc/nginx/nginx.conf",
        testCommand: [String] = NginxSettings.defaultTestCommand,
        reloadCommand: [String]? = nil,
        pidFile: String? = "/run/nginx.pid",
        commandTimeout: Duration = .seconds(30),
        mode: NginxMode = .reload,
        lua: LuaSyncSettings = LuaSyncSettings()
    ) {
        self.template = template
        self.output = output
        self.streamOutput = streamOutput
        self.outputPerApp = outputPerApp
        self.streamTemplate = streamTemplate
        self.mainConfig = mainConfig
        self.testCommand = testCommand
        self.reloadCommand = reloadCommand
        self.pidFile = pidFile
        self.commandTimeout = commandTimeout
        self.mode = mode
        self.lua = lua
    }

    public static let configPlaceholder = "{config}"
    public static let defaultTestCommand = ["nginx", "-t", "-q", "-c", configPlaceholder]
}
