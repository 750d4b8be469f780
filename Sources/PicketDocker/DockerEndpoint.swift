import Foundation
import NIOHTTP1
import PicketCore
import PicketHTTPClient

/// One Docker Engine API call Picket uses: method, path, body, which statuses mean success, and how to
/// read the answer. Each endpoint is its own value type so the API surface Picket depends on is
/// listed in one file and nothing else reaches the engine.
protocol DockerEndpoint: Sendable {
    associatedtype Response: Sendable
    var method: HTTPMethod { get }
    /// Below the version prefix, with the query.
    var path: String { get }
    var body: [UInt8]? { get }
    var accepted: Set<Int> { get }
    func decode(_ response: HTTPResponse) throws -> Response
}

extension DockerEndpoint {
    var body: [UInt8]? { nil }
    var accepted: Set<Int> { [200] }
}

extension DockerEndpoint where Response == Void {
    func decode(_ response: HTTPResponse) throws {}
}

/// `GET /version`, unversioned: the engine's API version, for negotiation.
struct GetVersion: DockerEndpoint {
    struct Info: Decodable, Sendable {
        let Version: String
        let ApiVersion: String
    }

    let method = HTTPMethod.GET
    let path = "/version"
    func decode(_ response: HTTPResponse) throws -> Info { try decodeJSON(Info.self, response, path) }
}

/// `GET /info`: the engine's own ID, which names it to a fleet (one lease per engine).
struct GetInfo: DockerEndpoint {
    struct Info: Decodable, Sendable {
        let ID: String
    }

    let method = HTTPMethod.GET
    let path = "/info"
    func decode(_ response: HTTPResponse) throws -> Info { try decodeJSON(Info.self, response, path) }
}

/// `GET /containers/json?all=1&filters={"label":[...]}`: every container, running or not, with all the labels.
struct ListContainers: DockerEndpoint {
    let labels: [String: String]
    let method = HTTPMethod.GET
    var path: String {
        let filters = ["label": labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }]
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: filters, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        return "/containers/json?all=1&filters=" + percentEncoded(json)
    }

    func decode(_ response: HTTPResponse) throws -> [ContainerSummary] { try decodeJSON([ContainerSummary].self, response, "/containers/json") }
}

/// `GET /containers/{id}/json`: the labels (for the selector check) and the settings a recreate copies.
struct InspectContainer: DockerEndpoint {
    let id: String
    let method = HTTPMethod.GET
    var path: String { "/containers/\(percentEncoded(id))/json" }
    func decode(_ response: HTTPResponse) throws -> ContainerInspection { try ContainerInspection(json: response.body) }
}

/// `POST /containers/{id}/restart?t=N`.
struct RestartContainer: DockerEndpoint {
    typealias Response = Void
    let id: String
    let stopTimeout: Duration
    let method = HTTPMethod.POST
    var path: String { "/containers/\(percentEncoded(id))/restart?t=\(stopTimeout.wholeSeconds)" }
    let accepted: Set<Int> = [204]
}

/// `POST /containers/{id}/stop?t=N`; 304 (already stopped) is fine.
struct StopContainer: DockerEndpoint {
    typealias Response = Void
    let id: String
    let stopTimeout: Duration
    let method = HTTPMethod.POST
    var path: String { "/containers/\(percentEncoded(id))/stop?t=\(stopTimeout.wholeSeconds)" }
    let accepted: Set<Int> = [204, 304]
}

/// `POST /containers/{id}/start`; 304 (already running) is fine.
struct StartContainer: DockerEndpoint {
    typealias Response = Void
    let id: String
    let method = HTTPMethod.POST
    var path: String { "/containers/\(percentEncoded(id))/start" }
    let accepted: Set<Int> = [204, 304]
}

/// `POST /containers/{id}/rename?name=NEW`.
struct RenameContainer: DockerEndpoint {
    typealias Response = Void
    let id: String
    let name: String
    let method = HTTPMethod.POST
    var path: String { "/containers/\(percentEncoded(id))/rename?name=\(percentEncoded(name))" }
    let accepted: Set<Int> = [204]
}

/// `POST /containers/create?name=NAME` with a full container config; answers the new id.
struct CreateContainer: DockerEndpoint {
    struct Created: Decodable, Sendable { let Id: String }
    let name: String
    let config: [UInt8]
    let method = HTTPMethod.POST
    var path: String { "/containers/create?name=\(percentEncoded(name))" }
    var body: [UInt8]? { config }
    let accepted: Set<Int> = [201]
    func decode(_ response: HTTPResponse) throws -> String { try decodeJSON(Created.self, response, "/containers/create").Id }
}

/// `DELETE /containers/{id}?force=1`.
struct RemoveContainer: DockerEndpoint {
    typealias Response = Void
    let id: String
    let method = HTTPMethod.DELETE
    var path: String { "/containers/\(percentEncoded(id))?force=1" }
    let accepted: Set<Int> = [204, 404]
}

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Decodable, Sendable {
    public struct Network: Decodable, Sendable {
        public let ipAddress: String?
        enum CodingKeys: String, CodingKey { case ipAddress = "IPAddress" }
    }

    public let id: String
    public let names: [String]?
    public let labels: [String: String]?
    public let state: String
    public let status: String
    /// Addresses by network name.
    public let networks: [String: Network]

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", labels = "Labels", state = "State", status = "Status", networkSettings = "NetworkSettings"
    }

    enum NetworkKeys: String, CodingKey { case networks = "Networks" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        names = try container.decodeIfPresent([String].self, forKey: .names)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
        state = try container.decode(String.self, forKey: .state)
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
        let settings = try? container.nestedContainer(keyedBy: NetworkKeys.self, forKey: .networkSettings)
        networks = (try? settings?.decodeIfPresent([String: Network].self, forKey: .networks)) ?? [:]
    }

    public var name: String { (names?.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }) ?? String(id.prefix(12)) }
}

/// What an inspect says, kept whole so a recreate copies every setting the engine reports.
struct ContainerInspection: Sendable {
    let id: String
    let name: String
    let labels: [String: String]
    /// The create body for a replacement: `Config` with `HostConfig` and the networks inside.
    let createBody: [UInt8]

    init(json: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let id = object["Id"] as? String, var config = object["Config"] as? [String: Any]
        else { throw DockerError.badResponse(target: "/containers/{id}/json", reason: "no Id or Config") }
        self.id = id
        name = ((object["Name"] as? String) ?? id).trimmingPrefix("/").description
        labels = (config["Labels"] as? [String: String]) ?? [:]
        config.removeValue(forKey: "Hostname")
        if let hostConfig = object["HostConfig"] { config["HostConfig"] = hostConfig }
        if let networks = (object["NetworkSettings"] as? [String: Any])?["Networks"] as? [String: Any],
            (object["HostConfig"] as? [String: Any])?["NetworkMode"] as? String != "host"
        {
            config["NetworkingConfig"] = ["EndpointsConfig": networks.mapValues { _ in [String: Any]() }]
        }
        createBody = Array(try JSONSerialization.data(withJSONObject: config))
    }
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, _ target: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(response.body))
    } catch {
        throw DockerError.badResponse(target: target, reason: "\(error)")
    }
}

func percentEncoded(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}

extension Duration {
    /// Docker takes stop timeouts in whole seconds; anything under a second rounds up to one.
    var wholeSeconds: Int64 { max(1, (nanoseconds + 999_999_999) / 1_000_000_000) }
}
