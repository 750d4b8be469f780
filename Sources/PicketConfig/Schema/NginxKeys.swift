import PicketCore

/// The keys of `nginx:` and `nginx.coalesce:`.
enum NginxKeys {
    static let output = ConfigKey("output", .path, .required, "the file Picket writes for http apps; nginx.conf must include it inside http {}")
    static let streamOutput = ConfigKey(
        "stream_output", .path, .derived("required with a stream app"), "the file for stream apps; nginx.conf must include it inside stream {}")
    static let outputPerApp = ConfigKey(
        "output_per_app", .path, .none, "a directory: one file per app there, and output / stream_output only include them")
    static let mainConfig = ConfigKey(
        "main_config", .path, .value("/etc/nginx/nginx.conf"), "nginx's main config; a staged copy of it validates each candidate")
    static let template = ConfigKey("template", .path, .derived("built-in"), "the mustache template of one http upstream block")
    static let streamTemplate = ConfigKey("stream_template", .path, .derived("built-in"), "the mustache template of one stream upstream block")
    static let testCommand = ConfigKey(
        "test_command", .command, .value("[nginx, -t, -q, -c, \"{config}\"]"), "validates a candidate; must contain {config}")
    static let reloadCommand = ConfigKey("reload_command", .command, .none, "reloads nginx; without it, SIGHUP to the master in pid_file")
    static let pidFile = ConfigKey("pid_file", .path, .value("/run/nginx.pid"), "nginx's master pid: the SIGHUP target, checked to be nginx")
    static let commandTimeout = ConfigKey(
        "command_timeout", .duration(.milliseconds(100) ... .seconds(600)), .value("30s"), "for test_command and reload_command")
    static let coalesce = ConfigKey("coalesce", .section(NginxKeys.coalesceSection), .none, "how bursts of changes become one reload")
    static let resyncInterval = ConfigKey(
        "resync_interval", .duration(.seconds(1) ... .seconds(86_400)), .value("60s"), "the desired file is re-applied this often, repairing hand edits")

    static let mode = ConfigKey(
        "mode", .choice(NginxMode.allCases.map(\.rawValue)), .value("reload"),
        "reload: every change is a reload; lua: membership and weights go to nginx/lua-sync.conf without one")
    static let lua = ConfigKey("lua", .section(NginxKeys.luaSection), .none, "the sync endpoint of nginx/lua-sync.conf (nginx.mode: lua)")

    static let section = ConfigSection(
        "nginx",
        [output, streamOutput, outputPerApp, mainConfig, template, streamTemplate, testCommand, reloadCommand, pidFile, commandTimeout, coalesce, resyncInterval, mode, lua])

    static let quiet = ConfigKey("quiet", .duration(.zero ... .seconds(60)), .value("50ms"), "a change waits this long for more")
    static let max = ConfigKey("max", .duration(.zero ... .seconds(300)), .value("250ms"), "never longer than this after the first; at least quiet")

    static let coalesceSection = ConfigSection("nginx.coalesce", [quiet, max])

    static let socket = ConfigKey("socket", .path, .value("/run/picket/lua.sock"), "the unix socket nginx serves the sync endpoint on")
    static let secretFile = ConfigKey(
        "secret_file", .path, .value("/etc/picket/lua.secret"), "the shared secret (16 characters or more) nginx and Picket both read")
    static let checkInterval = ConfigKey(
        "check_interval", .duration(.milliseconds(50) ... .seconds(10)), .value("250ms"),
        "how often Picket asks nginx which set it holds, and pushes again when it differs (an nginx restart empties it)")

    static let luaSection = ConfigSection("nginx.lua", [socket, secretFile, checkInterval])
}
