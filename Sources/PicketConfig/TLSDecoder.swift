import PicketCore
import Yams

/// Reads `health_check.tls:`. Its files must be there and readable when the config is loaded, so a
/// missing CA or an unreadable key is a config error at its line, not a failing check later.
struct TLSDecoder {
    let reader: NodeReader
    let baseDirectory: String

    func decode(_ check: Section) -> TLSSpec? {
        guard let section = reader.section(check, HealthCheckKeys.tls) else { return nil }
        var tls = TLSSpec()
        if let value = reader.bool(section, TLSKeys.verify) { tls.verify = value }
        tls.caFile = file(section, TLSKeys.caFile, holding: "CERTIFICATE")
        if let name = reader.string(section, TLSKeys.serverName) {
            if case .network(.name, _)? = (try? ServerAddress(validating: "\(name):1"))?.kind {
                tls.serverName = name
            } else {
                reader.report(section[TLSKeys.serverName], section.path("server_name"), "must be a host name (letters, digits, '-' and '.'), not an address")
            }
        }
        tls.clientCertificate = file(section, TLSKeys.clientCert, holding: "CERTIFICATE")
        tls.clientKey = file(section, TLSKeys.clientKey, holding: "PRIVATE KEY")
        if (section[TLSKeys.clientCert] == nil) != (section[TLSKeys.clientKey] == nil) {
            let given = section[TLSKeys.clientCert] == nil ? TLSKeys.clientKey : TLSKeys.clientCert
            reader.report(section[given], section.path(given.name), "client_cert and client_key go together: give both or neither")
        }
        if let days = reader.int(section, TLSKeys.expiryWarningDays) { tls.expiryWarningDays = days }
        return tls
    }

    /// An absolute path to a readable PEM file holding `block` (`-----BEGIN ... block-----`).
    private func file(_ section: Section, _ key: ConfigKey, holding block: String) -> String? {
        guard let text = reader.string(section, key) else { return nil }
        let path = text.hasPrefix("/") ? text : "\(baseDirectory)/\(text)"
        if let problem = PEMFile.problem(at: path, holding: block) {
            reader.report(section[key], section.path(key.name), "\(path): \(problem)")
        }
        return path
    }
}
