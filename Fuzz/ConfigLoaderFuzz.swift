import Foundation
import PicketConfig

/// libFuzzer entry point for the config loader (built by scripts/fuzz-config.sh, not by SwiftPM):
/// whatever bytes a config file holds, loading it must not crash, hang or leak, and a refusal must be
/// one located line per problem.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = "/dev/shm/picket-fuzz-\(getpid()).yaml"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    do {
        _ = try ConfigLoader.read(path: path, environment: [:])
    } catch {
        precondition(!error.diagnostics.isEmpty, "a refusal without a diagnostic")
        for diagnostic in error.diagnostics {
            precondition(diagnostic.line >= 1 && diagnostic.column >= 1, "\(diagnostic): not located")
            precondition(!diagnostic.description.contains("\n"), "\(diagnostic): more than one line")
        }
    }
    return 0
}
