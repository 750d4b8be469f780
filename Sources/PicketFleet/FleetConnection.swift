import Foundation
import NIOSSL
import PicketCore
import PostgresNIO

/// How to reach the fleet's database: the validated URL turned into postgres-nio's configuration, with
/// the password from the URL, else the password file, else `PGPASSWORD`.
public struct FleetConnection: Sendable {
    public let url: DatabaseURL
    let configuration: PostgresConnection.Configuration
    /// Every database call (connecting included) answers within this, or fails.
    public let timeout: Duration

    public init(url: DatabaseURL, passwordFile: String?, environment: [String: String], timeout: Duration = .seconds(5)) throws(FleetError) {
        var password = url.password
        if password == nil, let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw FleetError("cannot read state.password_file \(passwordFile)")
            }
            password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        }
        password = password ?? environment["PGPASSWORD"]
        self.url = url.with(password: password)
        self.timeout = timeout
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: password, database: url.database, tls: try Self.tls(url.sslMode))
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        configuration.options.tlsServerName = url.host.first?.isLetter == true ? url.host : nil
        self.configuration = configuration
    }

    /// libpq's modes as far as postgres-nio allows: it cannot start in plain text and upgrade, so
    /// `allow` behaves as `prefer`; `prefer` and `require` encrypt without checking the certificate (as
    /// libpq does); `verify-ca` checks the chain against the system's CAs, `verify-full` the host name too.
    static func tls(_ mode: DatabaseURL.SSLMode) throws(FleetError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return mode == .allow || mode == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw FleetError("TLS for the database: \(error)")
        }
    }
}
