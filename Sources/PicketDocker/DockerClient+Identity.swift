extension DockerClient {
    /// The engine's ID, the same whichever node or socket reaches it: a fleet leases each engine by it.
    public func engineID() async throws(DockerError) -> String {
        try await call(GetInfo()).ID
    }
}
