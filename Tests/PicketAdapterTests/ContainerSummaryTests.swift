import Foundation
import PicketCore
import PicketDocker
import Testing

/// `GET /containers/json` entries as Docker 20.10 writes them (trimmed), turned into instances.
@Suite struct ContainerSummaryTests {
    let listing = """
        [{"Id":"f1239eddabcbfb8e1b197781f42e63e874d9155abb1975d9560c03c206f7a872","Names":["/web-1"],"Image":"picket-test/busybox",
          "Command":"httpd -f","Created":1795303150,"Ports":[],"Labels":{"picket.app":"web","picket.port":"8101","picket.weight":"2"},
          "State":"running","Status":"Up 3 seconds (unhealthy)","HostConfig":{"NetworkMode":"host"},
          "NetworkSettings":{"Networks":{"host":{"IPAMConfig":null,"IPAddress":"","Gateway":""}}},"Mounts":[]},
         {"Id":"aa11","Names":["/web-2"],"Labels":{"picket.app":"web"},"State":"exited","Status":"Exited (137) 2 seconds ago",
          "HostConfig":{"NetworkMode":"backend"},"NetworkSettings":{"Networks":{"backend":{"IPAddress":"10.1.0.7"}}}}]
        """

    func summaries() throws -> [ContainerSummary] {
        try JSONDecoder().decode([ContainerSummary].self, from: Data(listing.utf8))
    }

    @Test func aHostNetworkContainerIsAddressedOnLoopbackWithItsLabels() throws {
        let source = DockerSource(selector: ["picket.app": "web"])
        let observation = try #require(try summaries()[0].observation(for: source)).get()
        #expect(observation.name == "web-1")
        #expect(observation.instance == InstanceSpec(address: try ServerAddress(validating: "127.0.0.1:8101"), weight: 2))
        #expect(observation.state == .running)
        #expect(observation.health == .unhealthy, "Docker's HEALTHCHECK verdict is read from the status text")
    }

    @Test func aNamedNetworkUsesTheContainersAddressOnIt() throws {
        let summary = try summaries()[1]
        let onNetwork = try #require(summary.observation(for: DockerSource(selector: [:], port: 8080, addressing: .network("backend")))).get()
        #expect(onNetwork.instance.address.description == "10.1.0.7:8080")
        #expect(onNetwork.state == .exited && onNetwork.health == nil)
        #expect(summary.observation(for: DockerSource(selector: [:], port: 8080, addressing: .network("other"))) == nil,
            "no address on the app's network: not an instance")
    }
}
