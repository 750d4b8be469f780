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
{{#keepalive}}
    keepalive {{keepalive}};
{{/keepalive}}
}

"""#
}
