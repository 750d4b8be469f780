import Crypto
import Foundation
import PicketConfig
import PicketCore

/// The headers of a webhook request: the configured ones, and with a secret the body's signature,
/// `X-Picket-Signature-256: sha256=HEX`, the HMAC-SHA256 of the exact body bytes under the secret
/// (the scheme GitHub's webhooks use), so a receiver can check that Picket sent it and nothing changed
/// it on the way. The body's `at` lets a receiver refuse old replays.
enum WebhookSignature {
    static func headers(for webhook: Webhook, body: [UInt8]) -> [(String, String)] {
        var headers = webhook.headers.map { ($0.name, $0.value) }
        if let secret = webhook.secret { headers.append((Webhook.signatureHeader, "sha256=" + signature(body, secret: secret))) }
        return headers
    }

    static func signature(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return FixedText.hex(mac)
    }
}
