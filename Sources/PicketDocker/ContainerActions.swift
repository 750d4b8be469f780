import PicketCore

/// Carries out the core's Docker commands. Before touching a container it inspects it and checks the
/// app's selector again, so Picket never acts on a container outside it, whatever the command says.
public struct ContainerActions: Sendable {
    let client: DockerClient

    public init(client: DockerClient) {
        self.client = client
    }

    public func perform(_ command: DockerCommand, selector: [String: String]) async -> DockerActionResult {
        do throws(DockerError) {
            let container = try await client.call(InspectContainer(id: command.containerID))
            guard DockerSource(selector: selector).selects(labels: container.labels) else {
                throw .outsideSelector(container: container.name)
            }
            switch command.action {
            case .restart:
                try await client.call(RestartContainer(id: container.id, stopTimeout: command.stopTimeout), extraTime: command.stopTimeout)
                return .succeeded(newContainerID: nil)
            case .recreate:
                return .succeeded(newContainerID: try await recreate(container, stopTimeout: command.stopTimeout))
            }
        } catch {
            return error.isEngineOutage ? .engineUnavailable(error.description) : .failed(error.description)
        }
    }

    /// Stop → park the old container under another name → create the same container under its name →
    /// start → remove the old one. A failure before the start puts the old one back under its name.
    private func recreate(_ old: ContainerInspection, stopTimeout: Duration) async throws(DockerError) -> String {
        try await client.call(StopContainer(id: old.id, stopTimeout: stopTimeout), extraTime: stopTimeout)
        try await client.call(RenameContainer(id: old.id, name: "\(old.name)-picket-old-\(old.id.prefix(12))"))
        let newID: String
        do throws(DockerError) {
            newID = try await client.call(CreateContainer(name: old.name, config: old.createBody))
            do throws(DockerError) {
                try await client.call(StartContainer(id: newID))
            } catch {
                _ = try? await client.call(RemoveContainer(id: newID))
                throw error
            }
        } catch {
            _ = try? await client.call(RenameContainer(id: old.id, name: old.name))
            throw error
        }
        _ = try? await client.call(RemoveContainer(id: old.id))
        return newID
    }
}
