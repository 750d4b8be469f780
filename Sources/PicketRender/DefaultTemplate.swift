/// The built-in template, identical to `templates/upstream.conf.mustache` (a test keeps them equal), so
/// the binary works without the repository beside it.
public enum DefaultTemplate {
    public static let name = "upstream.conf.mustache"

    public static let text = #"""
{{% CONTENT_TYPE: TEXT}}
upstream {{name}} {
{{#allDown}}
    # every backend failed its checks: {{allDown}}
{{/allDown}}
{{#noContainers}}
    # no containers found
{{/noContainers}}
{{#balance}}
    {{balance}};
{{/balance}}
{{#servers}}
    server {{address}} weight={{weight}} max_fails={{maxFails}} fail_timeout={{failTimeout}}{{#backup}} backup{{/backup}}{{#down}} down{{/down}};
{{/servers}}
{{#lua}}
    balancer_by_lua_block { require("picket").balance("{{name}}", "{{stamp}}") }
{{/lua}}
{{#keepalive}}
    keepalive {{keepalive}};
{{/keepalive}}
}

"""#
}

/// The built-in template of a `stream {}` upstream: the http one without `keepalive`, which the stream
/// module lacks (there is no request to reuse a connection for); it takes the same `server` parameters.
/// Identical to `templates/stream-upstream.conf.mustache` (a test keeps them equal). It always goes
/// through swift-mustache: stream files hold few upstreams, and one compiled fast path is enough to keep
/// byte-identical by hand.
public enum DefaultStreamTemplate {
    public static let name = "stream-upstream.conf.mustache"

    public static let text = DefaultTemplate.text
        .replacingOccurrences(of: "{{#lua}}\n    balancer_by_lua_block { require(\"picket\").balance(\"{{name}}\", \"{{stamp}}\") }\n{{/lua}}\n", with: "")
        .replacingOccurrences(of: "{{#keepalive}}\n    keepalive {{keepalive}};\n{{/keepalive}}\n", with: "")
}
