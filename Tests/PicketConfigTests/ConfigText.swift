import PicketConfig

/// Parses YAML text as `picket.yaml` in /etc/picket, as the loader would read a file there.
func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> PicketConfiguration {
    try ConfigLoader.parse(yaml, file: "picket.yaml", baseDirectory: "/etc/picket", environment: environment)
}

/// The diagnostics a config text gets, one line each; empty when it is accepted.
func problems(_ yaml: String, environment: [String: String] = [:]) -> [String] {
    do {
        _ = try parse(yaml, environment: environment)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}
