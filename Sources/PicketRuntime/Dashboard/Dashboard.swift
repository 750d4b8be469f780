import NIOHTTP1

/// The dashboard at `GET /`: one page, its stylesheet and its script, compiled into the binary (a
/// static `picket` carries them; no CDN, no files beside it). The page reads `/v1/overview` and follows
/// `/v1/events`; everything it shows comes from the controller loop like the rest of the API.
///
/// It is served with a strict Content-Security-Policy: scripts and styles from Picket only, requests
/// to Picket only, and no framing, so a value that somehow reached the page as markup could not run.
enum Dashboard {
    static let securityHeaders = [
        ("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-cache"),
    ]

    /// `""` is the page itself.
    static func asset(_ name: String) -> StatusResponse {
        let (type, body): (String, [UInt8])
        switch name {
        case "dashboard.css": (type, body) = ("text/css; charset=utf-8", PackageResources.dashboard_css)
        case "dashboard.js": (type, body) = ("text/javascript; charset=utf-8", PackageResources.dashboard_js)
        default: (type, body) = ("text/html; charset=utf-8", PackageResources.dashboard_html)
        }
        return StatusResponse(status: .ok, contentType: type, body: body, headers: securityHeaders)
    }
}
