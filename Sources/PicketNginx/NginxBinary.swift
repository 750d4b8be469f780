import Foundation

/// Where the nginx executable is, for tools that start nginx themselves (tests, benchmarks).
public enum NginxBinary {
    public static var path: String {
        ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nginx"
    }
}
