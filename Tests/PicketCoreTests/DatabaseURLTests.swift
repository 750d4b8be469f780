import PicketCore
import Testing

/// `state.url`: libpq's URL form, as far as Picket honours it.
@Suite struct DatabaseURLTests {
    @Test func readsUserPasswordHostPortDatabaseAndSSLMode() throws {
        let url = try DatabaseURL(validating: "postgresql://fleet%40ops:s%3Acret@[::1]:6543/picket?sslmode=require")
        #expect(url == DatabaseURL(user: "fleet@ops", password: "s:cret", host: "::1", port: 6543, database: "picket", sslMode: .require))
        #expect(url.description == "postgres://fleet@ops:***@[::1]:6543/picket?sslmode=require", "the password never reaches a log")
        let plain = try DatabaseURL(validating: "postgres://picket@db.internal/fleet")
        #expect(plain.port == 5432 && plain.sslMode == .prefer && plain.password == nil)
        #expect(plain.with(password: "from-file").password == "from-file")
        #expect(url.with(password: "from-file").password == "s:cret", "the URL's own password wins")
    }

    @Test func refusesWhatItWouldOtherwiseHaveToGuess() {
        let cases: [(String, String)] = [
            ("mysql://u@h/d", "expected postgres://USER@HOST:PORT/DATABASE"),
            ("postgres://h:5432/d", "name the user: postgres://USER@HOST/DATABASE"),
            ("postgres://u@h:5432", "name the database: postgres://USER@HOST:PORT/DATABASE"),
            ("postgres://u@:5432/d", "name the host: postgres://USER@HOST:PORT/DATABASE"),
            ("postgres://u@h:99999/d", "the port must be a number from 1 to 65535"),
            ("postgres://u@h/d?sslmode=always", "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("postgres://u@h/d?connect_timeout=3", "unknown parameter 'connect_timeout': only sslmode is supported (disable, allow, prefer, require, verify-ca, verify-full)"),
            ("postgres://u:%zz@h/d", "the password is not valid percent-encoding"),
            ("postgres://u@h;drop/d", "the host 'h;drop' is not a host name or an IP address"),
        ]
        for (text, message) in cases {
            let error = #expect(throws: DatabaseURLError.self, "\(text)") { try DatabaseURL(validating: text) }
            #expect(error?.description == message, "\(text)")
        }
    }
}
