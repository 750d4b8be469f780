/// The built-in template, identical to `templates/upstreams.conf.mustache` (a test keeps them equal), so
/// the binary works without the repository beside it.
public enum DefaultTemplate {
    public static let name = "upstreams.conf.mustache"

    public static let text = #"""
{{% CONTENT_TYPE: TEXT}}
# Written by Picket from health checks. Do not edit: changes are overwritten.
{{#upstreams}}

upstream {{name}} {
{{#allDown}}
    # every backend failed its checks: {{allDown}}
{{/allDown}}
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
{{/upstreams}}

"""#
}
