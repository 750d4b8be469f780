import PicketCore
import Yams

/// Reads the `nginx:` section: files, commands, and the apply timing.
struct NginxDecoder {
    let reader: NodeReader
    let baseDirectory: String

    func decode(_ node: Node?, owner: Node) -> (NginxSettings, ControllerSettings) {
        var controller = ControllerSettings()
        guard let section = reader.section(node, "nginx", NginxKeys.section) else {
            reader.report(owner, "nginx", "the nginx section is required (at least nginx.output)")
            return (NginxSettings(output: ""), controller)
        }
        let output = path(section, NginxKeys.output)
        if section[NginxKeys.output] == nil { reader.report(section.node, "nginx.output", "required: the file Picket writes and nginx includes") }
        var settings = NginxSettings(output: output ?? "")
        settings.template = path(section, NginxKeys.template)
        settings.streamTemplate = path(section, NginxKeys.streamTemplate)
        settings.streamOutput = path(section, NginxKeys.streamOutput)
        settings.outputPerApp = path(section, NginxKeys.outputPerApp)
        if let stream = settings.streamOutput, stream == settings.output {
            reader.report(section[NginxKeys.streamOutput], section.path("stream_output"), "must differ from nginx.output: each context has a file of its own")
        }
        settings.mainConfig = path(section, NginxKeys.mainConfig) ?? settings.mainConfig
        if let test = reader.stringList(section[NginxKeys.testCommand], section.path("test_command")) {
            if test.isEmpty {
                reader.report(section[NginxKeys.testCommand], section.path("test_command"), "must name a command")
            } else if !test.contains(where: { $0.contains(NginxSettings.configPlaceholder) }) {
                reader.report(section[NginxKeys.testCommand], section.path("test_command"),
                    "must contain \(NginxSettings.configPlaceholder), the staged config to validate, so a candidate is tested before it goes live")
            } else {
                settings.testCommand = test
            }
        }
        if let reload = reader.stringList(section[NginxKeys.reloadCommand], section.path("reload_command")) {
            if reload.isEmpty { reader.report(section[NginxKeys.reloadCommand], section.path("reload_command"), "must name a command") }
            settings.reloadCommand = reload.isEmpty ? nil : reload
        }
        if section[NginxKeys.pidFile] != nil || settings.reloadCommand != nil {
            settings.pidFile = path(section, NginxKeys.pidFile)
        }
        if let timeout = reader.duration(section, NginxKeys.commandTimeout) { settings.commandTimeout = timeout }
        if let coalesce = reader.section(section, NginxKeys.coalesce) {
            controller.coalesceQuiet = reader.duration(coalesce, NginxKeys.quiet) ?? controller.coalesceQuiet
            controller.coalesceMax = reader.duration(coalesce, NginxKeys.max) ?? controller.coalesceMax
            if controller.coalesceMax < controller.coalesceQuiet {
                reader.report(coalesce[NginxKeys.max] ?? coalesce.node, coalesce.path("max"), "must be at least coalesce.quiet")
            }
        }
        if let resync = reader.duration(section, NginxKeys.resyncInterval) { controller.resyncInterval = resync }
        settings.mode = reader.choice(section, NginxKeys.mode).flatMap(NginxMode.init(rawValue:)) ?? .reload
        if let lua = reader.section(section, NginxKeys.lua) {
            settings.lua.socket = path(lua, NginxKeys.socket) ?? settings.lua.socket
            settings.lua.secretFile = path(lua, NginxKeys.secretFile) ?? settings.lua.secretFile
            settings.lua.checkInterval = reader.duration(lua, NginxKeys.checkInterval) ?? settings.lua.checkInterval
        }
        return (settings, controller)
    }

    /// A path from the config, made absolute against the config file's directory.
    private func path(_ section: Section, _ key: ConfigKey) -> String? {
        guard let text = reader.string(section, key) else { return nil }
        return text.hasPrefix("/") ? text : "\(baseDirectory)/\(text)"
    }
}
