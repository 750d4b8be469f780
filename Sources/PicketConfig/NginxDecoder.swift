import PicketCore
import Yams

/// Reads the `nginx:` section: files, commands, and the apply timing.
struct NginxDecoder {
    static let keys = ["template", "output", "main_config", "test_command", "reload_command", "pid_file", "command_timeout", "coalesce", "resync_interval"]
    static let coalesceKeys = ["quiet", "max"]

    let reader: NodeReader
    let baseDirectory: String

    func decode(_ node: Node?, owner: Node) -> (NginxSettings, ControllerSettings) {
        var controller = ControllerSettings()
        guard let section = reader.section(node, "nginx", known: Self.keys) else {
            reader.report(owner, "nginx", "the nginx section is required (at least nginx.output)")
            return (NginxSettings(output: ""), controller)
        }
        let output = path(section, "output")
        if section["output"] == nil { reader.report(section.node, "nginx.output", "required: the file Picket writes and nginx includes") }
        var settings = NginxSettings(output: output ?? "")
        settings.template = path(section, "template")
        settings.mainConfig = path(section, "main_config") ?? settings.mainConfig
        if let test = reader.stringList(section["test_command"], section.path("test_command")) {
            if test.isEmpty {
                reader.report(section["test_command"], section.path("test_command"), "must name a command")
            } else if !test.contains(where: { $0.contains(NginxSettings.configPlaceholder) }) {
                reader.report(section["test_command"], section.path("test_command"),
                    "must contain \(NginxSettings.configPlaceholder), the staged config to validate, so a candidate is tested before it goes live")
            } else {
                settings.testCommand = test
            }
        }
        if let reload = reader.stringList(section["reload_command"], section.path("reload_command")) {
            if reload.isEmpty { reader.report(section["reload_command"], section.path("reload_command"), "must name a command") }
            settings.reloadCommand = reload.isEmpty ? nil : reload
        }
        if section["pid_file"] != nil || settings.reloadCommand != nil {
            settings.pidFile = path(section, "pid_file")
        }
        if let timeout = reader.duration(section["command_timeout"], section.path("command_timeout"), minimum: .milliseconds(100)) {
            settings.commandTimeout = timeout
        }
        if let coalesce = reader.section(section["coalesce"], section.path("coalesce"), known: Self.coalesceKeys) {
            controller.coalesceQuiet = reader.duration(coalesce["quiet"], coalesce.path("quiet")) ?? controller.coalesceQuiet
            controller.coalesceMax = reader.duration(coalesce["max"], coalesce.path("max")) ?? controller.coalesceMax
            if controller.coalesceMax < controller.coalesceQuiet {
                reader.report(coalesce["max"] ?? coalesce.node, coalesce.path("max"), "must be at least coalesce.quiet")
            }
        }
        if let resync = reader.duration(section["resync_interval"], section.path("resync_interval"), minimum: .seconds(1)) {
            controller.resyncInterval = resync
        }
        return (settings, controller)
    }

    /// A path from the config, made absolute against the config file's directory.
    private func path(_ section: Section, _ key: String) -> String? {
        guard let text = reader.string(section[key], section.path(key)) else { return nil }
        return text.hasPrefix("/") ? text : "\(baseDirectory)/\(text)"
    }
}
