import ArgumentParser
import PicketConfig

/// `picket config`: the config's own description, for tools.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Describe the config file for tools.", subcommands: [Schema.self])

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a JSON Schema (draft-07) of the config, for editors.",
            discussion: """
                Generated from the key tables Picket's loader reads: every key, its type, bounds, default \
                and description. Save it (picket config schema > picket.schema.json) and put \
                `# yaml-language-server: $schema=./picket.schema.json` at the top of picket.yaml for \
                completion and checks in editors that use the YAML language server. Rules between keys \
                and the bounds of durations are checked by `picket validate`.
                """)

        func run() {
            print(ConfigSchema.jsonSchema.rendered())
        }
    }
}
